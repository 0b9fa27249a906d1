# syntax=docker/dockerfile:1
# One image per service, from one build: docker build --target api|pipeline-worker|segment-worker|inpaint-worker|inpaint-worker-gpu.
# The TypeScript is compiled here (tsconfig.build.json, scripts/assemble-runtime.sh; test/runtime-build.test.ts
# runs that layout); the images hold JavaScript, production dependencies and what each service reads.
# Base images are pinned by version; pin them by digest where your registry policy asks for it.
# test/dockerfile.test.ts checks this file statically (pins, Node's LTS line, no curl | sh, compiled code, the
# GPU stage's CUDA provider) and .dockerignore (no node_modules, build outputs or .env in the context).
ARG NODE_IMAGE=node:26.7.0-trixie-slim
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/cli/package.json packages/cli/
COPY services/api/package.json services/api/
COPY services/segment-worker/package.json services/segment-worker/
COPY services/inpaint-worker/package.json services/inpaint-worker/
COPY services/pipeline-worker/package.json services/pipeline-worker/
RUN npm ci --no-audit --no-fund
COPY packages packages
COPY services services
COPY console console
COPY scripts/assemble-runtime.sh scripts/
RUN npx tsc -p tsconfig.build.json \
 && npm run build:console \
 && bash scripts/assemble-runtime.sh build /runtime \
 && cd /runtime && npm ci --omit=dev --no-audit --no-fund \
 && cp -a /runtime /runtime-light && rm -rf /runtime-light/node_modules/onnxruntime-node

# What every service needs at run time: Node and ffmpeg.
FROM ${NODE_IMAGE} AS base
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production

# The workers that run the learned models: the compiled code and all its production dependencies, and
# glibc's allocator told to reuse a frame's large buffers for the next (packages/shared/src/workers/malloc-tunables.ts).
FROM base AS runtime
COPY --from=build /runtime ./
ENV GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824
USER 1000

# The API and the pipeline worker run no model, so their images leave out onnxruntime-node (about 290 MB of
# native libraries); test/runtime-build.test.ts runs both from a layout without it.
FROM base AS runtime-light
COPY --from=build /runtime-light ./
USER 1000

FROM runtime-light AS api
COPY --from=build /src/console/dist console/dist
EXPOSE 8080
CMD ["node", "services/api/src/main.js"]

FROM runtime-light AS pipeline-worker
EXPOSE 9464
CMD ["node", "services/pipeline-worker/src/main.js"]

# The learned models ship in the image: nothing is downloaded at run time.
FROM runtime AS segment-worker
COPY models/segment-unet models/segment-unet
EXPOSE 9464
CMD ["node", "services/segment-worker/src/main.js"]

FROM runtime AS inpaint-worker
COPY models/inpaint-diffusion models/inpaint-diffusion
EXPOSE 9464
CMD ["node", "services/inpaint-worker/src/main.js"]

# The GPU inpaint worker: the same compiled app on NVIDIA's CUDA 12 + cuDNN 9 runtime. Node comes from the
# pinned Node image (its binary, no install script), and onnxruntime-node's CUDA provider is installed at
# build time (the npm package itself is CPU-only). Run with INPAINT_DEVICE=cuda on a GPU node; where the
# provider or the driver is missing, the worker logs why once and inpaints on CPU.
FROM ${NODE_IMAGE} AS node
FROM ${CUDA_IMAGE} AS inpaint-worker-gpu
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /runtime ./
COPY models/inpaint-diffusion models/inpaint-diffusion
RUN cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install
ENV NODE_ENV=production INPAINT_DEVICE=cuda INPAINTER=diffusion \
    GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824
USER 1000
EXPOSE 9464
CMD ["node", "services/inpaint-worker/src/main.js"]
