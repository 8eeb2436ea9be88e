# syntax=docker/dockerfile:1
# open-webui-bun: one executable on a distroless base, with the unmodified Open WebUI 0.6.32
# frontend. Build:  docker build -t open-webui-bun .
# Run:             docker run -d -p 3000:8080 -v open-webui:/app/backend/data \
#                    -e WEBUI_SECRET_KEY=... --name open-webui-bun open-webui-bun
# More in docs/deployment.md.

# The Bun release that compiles the executable; its default image is Debian (glibc), which is
# what the distroless base below provides. Do not use the -alpine (musl) variant here.
ARG BUN_IMAGE=oven/bun:1.4.5
# The official Open WebUI image of the release whose frontend we serve (it lives in /app/build).
ARG FRONTEND_IMAGE=ghcr.io/open-webui/open-webui:0.6.32

FROM ${BUN_IMAGE} AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production
COPY tsconfig.json CHANGELOG.md ./
COPY src ./src
COPY scripts/build.ts ./scripts/
# package.json's build script (scripts/build.ts): bun build --compile --bytecode twice, the second
# time with the bytecode laid out from a recorded start; writes dist/open-webui-bun
RUN bun run build \
 && mkdir -p /out/data \
 && ./dist/open-webui-bun --version

FROM ${FRONTEND_IMAGE} AS frontend

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app/backend
COPY --from=frontend /app/build /app/build
COPY --from=build /src/dist/open-webui-bun /app/open-webui-bun
# An empty data folder owned by the runtime user: a new volume mounted here starts with its
# ownership, so the server can create webui.db without a root step (there is no shell).
COPY --from=build --chown=65532:65532 /out/data /app/backend/data
ENV ENV=prod \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/backend/data \
    FRONTEND_BUILD_DIR=/app/build
VOLUME ["/app/backend/data"]
EXPOSE 8080
# distroless "nonroot" user (uid/gid 65532).
USER 65532:65532
# No HEALTHCHECK: the image has no shell, curl or wget to run one. Probe GET /health from outside
# (orchestrator HTTP check, load balancer) instead; it answers {"status":true}.
ENTRYPOINT ["/app/open-webui-bun"]
