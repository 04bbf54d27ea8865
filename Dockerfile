# syntax=docker/dockerfile:1
# The gateway's image. Built with the whole toolchain, run with production dependencies only, as
# the unprivileged `node` user, on Node 24 LTS. The build fetches npm packages and nothing else:
# install scripts are skipped (bcrypt loads its prebuilt binary, Prisma 7's client needs no engine,
# and `prisma generate` is told not to fetch the schema engine it does not use; see db:generate),
# so the one our own package.json runs, patch-package (patches/), is run by hand.
#
#   docker build -t aegis-identity-gateway .
#   docker run --rm -e DATABASE_URL=… aegis-identity-gateway node dist/db/migrate.js   # once per release
#   docker run -p 4000:4000 -e DATABASE_URL=… -e JWT_SECRET_KEY=… -e ONE_TIME_LINK_SECRET=… aegis-identity-gateway

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npx patch-package --error-on-fail
COPY tsconfig.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
# The playground's build step (GraphiQL's browser files into dist/public/playground).
COPY scripts/build-playground.ts ./scripts/
# `prebuild` generates the Prisma client (npm run db:generate), then tsc compiles to dist/ and the
# playground assets are copied beside it.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The migration runner (dist/db/migrate.js) reads them from here.
COPY --from=build /app/prisma/migrations ./prisma/migrations
USER node
EXPOSE 4000
# Ready means PostgreSQL and Redis answer and no shutdown has begun (GET /health/readiness).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health/readiness').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: readiness 503, drain, close, exit (docs/operating.md, "Shutdown").
STOPSIGNAL SIGTERM
# The heap budget of `npm start` (docs/performance.md, "Memory"): peak RSS stays within 256 MiB
# under load whatever the host's memory; NODE_OPTIONS, when set, overrides these V8 flags.
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=160", "dist/main.js"]
