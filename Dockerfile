# syntax=docker/dockerfile:1
# course-sink: Kafka course-publish signals to ClickHouse, Postgres and S3.
# Debian (glibc), not Alpine: the embedded ClickHouse engine (chdb) ships a glibc-only library.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="course-sink" \
      org.opencontainers.image.description="Bridges Open edX course publishing to Aspects ClickHouse tables, a Postgres catalog and S3 course export archives." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="AGPL-3.0-only" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# tini reaps zombies and forwards SIGTERM, so the consumer can commit offsets before the pod goes away.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A numeric UID lets Kubernetes verify runAsNonRoot without reading /etc/passwd.
RUN groupadd --system --gid 10001 course-sink \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin course-sink \
 && mkdir -p /data \
 && chown 10001:10001 /data

WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HTTP_PORT=8080

COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json package-lock.json ./
COPY clickhouse/ ./clickhouse/
COPY migrations/ ./migrations/
COPY schemas/ ./schemas/
COPY examples/ ./examples/
# `course-sink` on PATH for commands run without the entrypoint: Tutor's job containers, kubectl exec.
RUN chmod 0755 /app/dist/cli/main.js && ln -s /app/dist/cli/main.js /usr/local/bin/course-sink

# Everything the process writes goes under DATA_DIR (embedded stores, export scratch) or /tmp,
# so the image runs with a read-only root filesystem.
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080

ENTRYPOINT ["tini", "--", "node", "/app/dist/cli/main.js"]
CMD ["consume"]
