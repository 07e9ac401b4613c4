# The flink-operator image: the operator compiled to JavaScript on a slim Node.js 20 base,
# production dependencies only, running as a non-root user on a read-only root filesystem
# (it writes only under /tmp and the session-job artifacts folder, both volumes in the chart).
#
#   docker build -t ghcr.io/flink-operator/flink-operator:0.1.0 .

FROM node:20.19.5-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts scripts/build.ts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.19.5-bookworm-slim
ENV NODE_ENV=production \
    FLINK_CONF_DIR=/opt/flink-operator/conf
WORKDIR /opt/flink-operator
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY deploy/crds ./crds
# Numeric, so Kubernetes can verify runAsNonRoot; the chart runs it as 9999:9999 too.
USER 9999:9999
# 8085: health (/healthz, /readyz), 9443: admission webhook; metrics on the configured reporter port.
EXPOSE 8085 9443
# Kubernetes ignores HEALTHCHECK and uses the chart's probes on the same endpoint; this serves plain Docker.
HEALTHCHECK --interval=30s --timeout=3s \
  CMD ["node", "-e", "require('node:http').get('http://127.0.0.1:8085/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
