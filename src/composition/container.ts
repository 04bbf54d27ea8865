import type { Config } from "../config";
import type { Logger } from "../infra/logger";
import { createMetrics, registerStoreGauges } from "../observability/metrics";
import { noTracing, type Tracing } from "../observability/tracing";
import { LinkTokens } from "../recovery/link-tokens";
import { createClients } from "./clients";
import { createServices } from "./services";
import { createStores } from "./stores";
import { createWorkers } from "./workers";

/**
 * The composition root, in tiers: clients (clients.ts) → repositories and stores with the unit of
 * work (stores.ts) → background workers (workers.ts) → services (services.ts). Each tier is built
 * once, from the tiers before it, and handed on by name; main.ts, the CLI and the test server
 * start here.
 */
export function createContainer(config: Config, logger: Logger, tracing: Tracing = noTracing) {
  const clients = createClients(config, logger);
  const metrics = createMetrics(logger);
  const stores = createStores({ config, logger, clients });
  /** Derives one-time link tokens into notifications as they are published. */
  const linkTokens = new LinkTokens({
    secret: config.recovery.linkSecret,
    frontendUrl: config.recovery.frontendUrl,
  });
  const workers = createWorkers({ config, logger, clients, stores, linkTokens });
  const { hasher, tokens, authenticator, services } = createServices({
    config,
    logger,
    tracing,
    metrics,
    clients,
    stores,
    workers,
    linkTokens,
  });
  registerStoreGauges(metrics, {
    outboxBacklog: () => stores.outbox.backlog(),
    activeSessions: () => stores.sessionStore.countActive(),
  });

  return {
    config,
    logger,
    db: clients.db,
    redis: clients.redis,
    cache: stores.cache,
    pubSub: clients.pubSub,
    hasher,
    tokens,
    authenticator,
    /** graphql-ws connections per user, across processes. */
    sockets: stores.sockets,
    /** Derives one-time link tokens into notifications as they are published. */
    linkTokens,
    /** The login lockout (auth/lockout.ts). */
    lockout: stores.lockout,
    /** Moves sessions of the earlier Redis key layout; main.ts runs it before listening. */
    keyLayout: workers.keyLayout,
    /** What per-request DataLoaders read from (graphql/users/user.loader.ts createLoaders). */
    repositories: { users: stores.users, userAdmin: stores.userAdmin, lockout: stores.lockout },
    services,
    outbox: stores.outbox,
    relay: workers.relay,
    limits: stores.limits,
    /** Work requests hand off (password reset links); tests wait for it with `idle()`. */
    background: workers.background,
    /** The business registry's client, when BUSINESS_REGISTRY_URL is set. */
    registry: clients.registry,
    /** Background work (the outbox relay); main.ts starts it after listening, stops it first. */
    lifecycle: workers.lifecycle,
    metrics,
    tracing,
    /** Which dependency is unreachable right now (logged once per outage). */
    outages: clients.outages,
    /** Releases the clients; stop `lifecycle` first (main.ts and the test server do). */
    async close() {
      await Promise.allSettled([clients.close(), hasher.close()]);
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
