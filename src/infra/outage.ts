import type { Dependency } from "./dependency-errors";
import type { Logger } from "./logger";
import type { RedisClient } from "./redis";

/**
 * A Redis client's connection errors (every reconnect attempt emits one) mark Redis lost; its
 * `ready` marks it back. Single, Sentinel and Cluster clients all emit both.
 */
export function watchRedis(client: RedisClient, outages: OutageTracker): void {
  client.on("error", (error: unknown) => outages.lost("redis", error));
  client.on("ready", () => outages.restored("redis"));
}

/**
 * Remembers which dependency is unreachable, so the log gets one warning when one is lost and one
 * info line when it is back, instead of a stack trace per failed request or reconnect attempt.
 * While a dependency is down, its probe runs every `probeIntervalMs` to notice the recovery even
 * when no request comes (Redis clients also say so themselves, through `restored`).
 */
export class OutageTracker {
  private readonly down = new Map<Dependency, { since: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly logger: Logger,
    private readonly probes: Partial<Record<Dependency, () => Promise<unknown>>>,
    private readonly probeIntervalMs = 1000,
  ) {}

  isDown(dependency: Dependency): boolean {
    return this.down.has(dependency);
  }

  lost(dependency: Dependency, error?: unknown): void {
    if (this.down.has(dependency)) return;
    const timer = setInterval(() => void this.probe(dependency), this.probeIntervalMs);
    timer.unref();
    this.down.set(dependency, { since: Date.now(), timer });
    const err = error instanceof Error ? { name: error.name, message: error.message } : error;
    this.logger.warn(
      { dependency, err },
      `${dependency} unreachable: requests that need it answer SERVICE_UNAVAILABLE until it is back`,
    );
  }

  restored(dependency: Dependency): void {
    const outage = this.down.get(dependency);
    if (!outage) return;
    clearInterval(outage.timer);
    this.down.delete(dependency);
    this.logger.info(
      { dependency, downSeconds: Math.round((Date.now() - outage.since) / 1000) },
      `${dependency} reachable again`,
    );
  }

  stop(): void {
    for (const { timer } of this.down.values()) clearInterval(timer);
  }

  private async probe(dependency: Dependency): Promise<void> {
    const probe = this.probes[dependency];
    if (!probe) return;
    try {
      await probe();
      this.restored(dependency);
    } catch {
      // still down: said once already
    }
  }
}
