# One build, one image per service (docker build --target api|segment-worker|inpaint-worker|pipeline-worker).
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

# The GPU image adds onnxruntime's CUDA provider at build time (issue: learned inpainting).
FROM base AS inpaint-worker
CMD ["node", "--import", "tsx", "services/inpaint-worker/src/main.ts"]

FROM base AS pipeline-worker
CMD ["node", "--import", "tsx", "services/pipeline-worker/src/main.ts"]
