import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuthMetrics } from "./auth.metrics";
import type { Logger } from "../infra/logger";

/**
 * The Prometheus metrics of one gateway process, on their own registry (served at /metrics).
 * Every label value comes from a fixed set or is bounded (see OperationLabels): no user ids, no
 * raw query text.
 */

export type GraphQLOutcome = "success" | "client_error" | "server_error" | "timeout" | "aborted";

export interface GraphQLRequestLabels {
  operation: string;
  type: string;
  outcome: GraphQLOutcome;
}

const SECONDS_FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const SECONDS_REQUEST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_LOGIN = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Most distinct operation names kept as label values; later newcomers count as "other". */
export const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * Operation names are chosen by clients, so they are bounded before they become label values:
 * a well-formed name is kept while fewer than MAX_OPERATION_NAMES are known, anything else is
 * "other" (and "anonymous" when there is no name).
 */
export class OperationLabels {
  private readonly known = new Set<string>();

  constructor(private readonly max = MAX_OPERATION_NAMES) {}

  label(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (this.known.has(name)) return name;
    if (!OPERATION_NAME.test(name) || this.known.size >= this.max) return "other";
    this.known.add(name);
    return name;
  }
}

/** Shares one `read` between the gauges a scrape collects together (they run concurrently). */
function shared<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export function createMetrics(logger: Logger) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const loginAttempts = new Counter({
    name: "user_login_attempts_total",
    help: "Login attempts by status (success or failure).",
    labelNames: ["status"],
    registers,
  });
  const failedLogins = new Counter({
    name: "user_failed_login_attempts_total",
    help:
      "Failed logins by reason (invalid_credentials, account_locked, account_disabled, " +
      "email_not_verified, timeout, error).",
    labelNames: ["reason"],
    registers,
  });
  const loginDuration = new Histogram({
    name: "user_login_duration_seconds",
    help: "Time to answer a login, password hashing included, by status.",
    labelNames: ["status"],
    buckets: SECONDS_LOGIN,
    registers,
  });
  const signups = new Counter({
    name: "user_signup_total",
    help: "Registrations by status (success or failure).",
    labelNames: ["status"],
    registers,
  });
  const lockouts = new Counter({
    name: "user_account_lockouts_total",
    help: "Accounts locked after too many failed logins.",
    registers,
  });
  const tokenVerification = new Histogram({
    name: "user_token_verification_duration_seconds",
    help: "Time to check an access token (signature, session and profile), by result.",
    labelNames: ["result"],
    buckets: SECONDS_FAST,
    registers,
  });
  const passwordResets = new Counter({
    name: "user_password_reset_total",
    help: "Password resets by status (requested, completed, failed).",
    labelNames: ["status"],
    registers,
  });
  const emailVerifications = new Counter({
    name: "user_email_verification_total",
    help: "Email verifications by status (sent, verified, failed).",
    labelNames: ["status"],
    registers,
  });

  const graphqlRequests = new Counter({
    name: "graphql_requests_total",
    help: "GraphQL requests by operation name, operation type and outcome.",
    labelNames: ["operation", "type", "outcome"],
    registers,
  });
  const graphqlDuration = new Histogram({
    name: "graphql_request_duration_seconds",
    help: "GraphQL request duration by operation name, operation type and outcome.",
    labelNames: ["operation", "type", "outcome"],
    buckets: SECONDS_REQUEST,
    registers,
  });
  const graphqlInFlight = new Gauge({
    name: "graphql_requests_in_flight",
    help: "GraphQL requests being served now.",
    registers,
  });

  const auth: AuthMetrics = {
    login(outcome, seconds) {
      const status = outcome === "success" ? "success" : "failure";
      loginAttempts.inc({ status });
      loginDuration.observe({ status }, seconds);
      if (outcome !== "success") failedLogins.inc({ reason: outcome });
    },
    signup: (status) => signups.inc({ status }),
    accountLocked: () => lockouts.inc(),
    tokenVerified: (result, seconds) => tokenVerification.observe({ result }, seconds),
    passwordReset: (status) => passwordResets.inc({ status }),
    emailVerification: (status) => emailVerifications.inc({ status }),
  };

  const operations = new OperationLabels();
  const graphql = {
    operationLabel: (name: string | null | undefined) => operations.label(name),
    /** Counts a request in flight; call the returned function once when it ends. */
    started(): () => void {
      graphqlInFlight.inc();
      let ended = false;
      return () => {
        if (!ended) graphqlInFlight.dec();
        ended = true;
      };
    },
    observe(labels: GraphQLRequestLabels, seconds: number) {
      graphqlRequests.inc({ ...labels });
      graphqlDuration.observe({ ...labels }, seconds);
    },
  };

  /**
   * Gauges read from a store when Prometheus scrapes. A failed read leaves the gauge without a
   * sample for that scrape (and logs why) rather than failing the whole scrape.
   */
  function gaugesOnScrape<T>(
    read: () => Promise<T>,
    gauges: Array<{ name: string; help: string; value: (snapshot: T) => number }>,
  ) {
    const snapshot = shared(read);
    for (const { name, help, value } of gauges) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          try {
            this.set(value(await snapshot()));
          } catch (err) {
            this.reset();
            logger.warn({ err, metric: name }, "could not read metric");
          }
        },
      });
    }
  }

  return { registry, auth, graphql, gaugesOnScrape };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The gauges read from PostgreSQL and Redis at scrape time. */
export function registerStoreGauges(
  metrics: Metrics,
  sources: {
    outboxBacklog: () => Promise<{ pending: number; oldestAgeSeconds: number }>;
    activeSessions: () => Promise<number>;
  },
): void {
  metrics.gaugesOnScrape(sources.outboxBacklog, [
    {
      name: "outbox_pending_events",
      help: "Events written to the outbox and not yet published to Kafka.",
      value: (backlog) => backlog.pending,
    },
    {
      name: "outbox_oldest_pending_age_seconds",
      help: "Age of the oldest unpublished outbox event (0 when there is none).",
      value: (backlog) => backlog.oldestAgeSeconds,
    },
  ]);
  metrics.gaugesOnScrape(sources.activeSessions, [
    {
      name: "user_active_sessions",
      help: "Sessions alive now, across every gateway process (from the Redis session index).",
      value: (count) => count,
    },
  ]);
}
