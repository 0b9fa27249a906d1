# One build, one image per service (docker build --target api|segment-worker|inpaint-worker|inpaint-worker-gpu|pipeline-worker).
FROM node:20-bookworm-slim AS base
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/shared/package.json packages/shared/
COPY packages/cli/package.json packages/cli/
COPY services/api/package.json services/api/
COPY services/segment-worker/package.json services/segment-worker/
COPY services/inpaint-worker/package.json services/inpaint-worker/
COPY services/pipeline-worker/package.json services/pipeline-worker/
RUN npm ci --omit=dev --no-audit --no-fund
COPY packages packages
COPY services services
# The learned models ship in the image: nothing is downloaded at run time.
COPY models models
ENV NODE_ENV=production
USER node

FROM base AS api
EXPOSE 8080
CMD ["node", "--import", "tsx", "services/api/src/main.ts"]

FROM base AS segment-worker
CMD ["node", "--import", "tsx", "services/segment-worker/src/main.ts"]

FROM base AS inpaint-worker
CMD ["node", "--import", "tsx", "services/inpaint-worker/src/main.ts"]

# The GPU inpaint worker (docker build --target inpaint-worker-gpu): the same app on NVIDIA's CUDA 12 +
# cuDNN 9 runtime, with onnxruntime-node's CUDA provider installed at build time (its install script
# downloads it; the npm package itself is CPU-only). Run with INPAINT_DEVICE=cuda on a GPU node. Where the
# provider or the driver is missing, the worker logs why once and inpaints on CPU.
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS inpaint-worker-gpu
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates curl \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=base /app /app
RUN cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install
ENV NODE_ENV=production INPAINT_DEVICE=cuda INPAINTER=diffusion
USER 1000
CMD ["node", "--import", "tsx", "services/inpaint-worker/src/main.ts"]

FROM base AS pipeline-worker
CMD ["node", "--import", "tsx", "services/pipeline-worker/src/main.ts"]
