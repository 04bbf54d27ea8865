import { createHash } from "node:crypto";
import CircuitBreaker from "opossum";
import type { Logger } from "../infra/logger";

export interface PwnedPasswordsOptions {
  /** The range API's base URL (proposed PASSWORD_BREACH_API_URL): https://api.pwnedpasswords.com */
  url: string;
  /** A call that takes longer is abandoned and counts as a failure. */
  timeoutMs: number;
  breaker: { volumeThreshold: number; errorThresholdPercentage: number; resetTimeoutMs: number };
  /** The API asks every client to name itself. */
  userAgent: string;
}

/** Breach counts of one hash prefix: suffix (35 upper-case hex) → times seen. */
type Range = Map<string, number>;

/**
 * Have I Been Pwned's Pwned Passwords range API, with k-anonymity: only the first 5 hex characters
 * of the password's SHA-1 leave the process; the API answers every suffix it knows under that
 * prefix (with `Add-Padding: true`, padded with fake suffixes of count 0, so the size of the answer
 * says nothing either) and the match is made here. Calls have a timeout and go through a circuit
 * breaker (opossum), so an outage costs one timeout per call only until the breaker opens; then the
 * screen fails open at once (`unavailable`), and the caller logs it.
 */
export class PwnedPasswordsClient {
  private readonly options: PwnedPasswordsOptions;
  private readonly breaker: CircuitBreaker<[string], Range>;

  constructor(deps: { options: PwnedPasswordsOptions; logger: Logger }) {
    this.options = deps.options;
    const { logger } = deps;
    this.breaker = new CircuitBreaker((prefix: string) => this.range(prefix), {
      name: "pwned-passwords",
      // fetch is aborted at timeoutMs; opossum's own timer would leave it running.
      timeout: false,
      volumeThreshold: deps.options.breaker.volumeThreshold,
      errorThresholdPercentage: deps.options.breaker.errorThresholdPercentage,
      resetTimeout: deps.options.breaker.resetTimeoutMs,
      rollingCountTimeout: 60_000,
      rollingCountBuckets: 12,
    });
    this.breaker.on("open", () =>
      logger.warn(
        { resetTimeoutMs: deps.options.breaker.resetTimeoutMs },
        "pwned passwords circuit open: passwords are screened against the offline list only until it answers again",
      ),
    );
    this.breaker.on("halfOpen", () => logger.info("pwned passwords circuit half-open: trying one call"));
    this.breaker.on("close", () =>
      logger.info("pwned passwords circuit closed: the range API answers again"),
    );
  }

  /** How often the password appears in known breaches (0: never), or `unavailable`. */
  async timesSeen(password: string): Promise<number | "unavailable"> {
    const digest = createHash("sha1").update(password, "utf8").digest("hex").toUpperCase();
    try {
      const range = await this.breaker.fire(digest.slice(0, 5));
      return range.get(digest.slice(5)) ?? 0;
    } catch {
      return "unavailable";
    }
  }

  /** closed, open or halfOpen: for logs and readiness. */
  get state(): "closed" | "open" | "halfOpen" {
    if (this.breaker.opened) return "open";
    return this.breaker.halfOpen ? "halfOpen" : "closed";
  }

  get isOpen(): boolean {
    return this.breaker.opened;
  }

  /** Clears the breaker's timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async range(prefix: string): Promise<Range> {
    const response = await fetch(new URL(`range/${prefix}`, withSlash(this.options.url)), {
      headers: { "add-padding": "true", "user-agent": this.options.userAgent, accept: "text/plain" },
      // Covers the body too: an API that stalls mid-answer is abandoned as well.
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`pwned passwords answered HTTP ${response.status}`);
    const range: Range = new Map();
    for (const line of (await response.text()).split(/\r?\n/)) {
      const [suffix, count] = line.trim().split(":");
      const times = Number(count);
      if (suffix && /^[0-9A-F]{35}$/i.test(suffix) && times > 0) range.set(suffix.toUpperCase(), times);
    }
    return range;
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
