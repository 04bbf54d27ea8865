import CircuitBreaker from "opossum";
import type { BusinessNumberStatus } from "../generated/prisma/enums";
import type { Logger } from "../infra/logger";

export interface BusinessRegistryOptions {
  /** The status endpoint, e.g. https://api.odcloud.kr/api/nts-businessman/v1/status */
  url: string;
  /** Sent as the `serviceKey` query parameter, as the national registry's open API wants it. */
  apiKey?: string;
  /** A call that takes longer is abandoned (and counts as a failure). */
  timeoutMs: number;
  breaker: {
    /** Calls in the rolling window before the breaker may open. */
    volumeThreshold: number;
    /** Share of failed calls in the window that opens it. */
    errorThresholdPercentage: number;
    /** How long it stays open before one trial call (half-open). */
    resetTimeoutMs: number;
  };
}

/** What the registry can say: anything but UNVERIFIED. */
export type RegistryAnswer = Exclude<BusinessNumberStatus, "UNVERIFIED">;

/** The registry's status codes (b_stt_cd): 01 in business, 02 suspended, 03 closed. */
const STATUS_CODES: Record<string, RegistryAnswer> = {
  "01": "ACTIVE",
  "02": "SUSPENDED",
  "03": "CLOSED",
  // The registry answers an unknown number with an empty code (and a tax_type message).
  "": "NOT_REGISTERED",
};

interface RegistryResponse {
  status_code?: string;
  data?: Array<{ b_no?: string; b_stt_cd?: string }>;
}

/**
 * Asks the national business registry (the NTS status API: POST `{"b_no": ["1234567890"]}`)
 * what it knows about a number. Every call has a timeout, and calls go through a circuit breaker
 * (opossum): once enough of them fail, the registry is left alone for a while and numbers are
 * saved unverified at once, instead of every registration waiting out the timeout.
 */
export class BusinessRegistryClient {
  private readonly breaker: CircuitBreaker<[string], RegistryAnswer>;

  private readonly options: BusinessRegistryOptions;
  private readonly logger: Logger;

  constructor(deps: {
    options: BusinessRegistryOptions;
    logger: Logger;
  }) {
    this.options = deps.options;
    this.logger = deps.logger;
    this.breaker = new CircuitBreaker((digits: string) => this.ask(digits), {
      name: "business-registry",
      // The fetch below is aborted at timeoutMs; opossum's own timer would leave it running.
      timeout: false,
      volumeThreshold: this.options.breaker.volumeThreshold,
      errorThresholdPercentage: this.options.breaker.errorThresholdPercentage,
      resetTimeout: this.options.breaker.resetTimeoutMs,
      // Long enough that a few slow (timed-out) calls in a row still count together.
      rollingCountTimeout: 60_000,
      rollingCountBuckets: 12,
    });
    this.breaker.on("open", () =>
      this.logger.warn(
        { resetTimeoutMs: this.options.breaker.resetTimeoutMs },
        "business registry circuit open: numbers are saved unverified until it answers again",
      ),
    );
    this.breaker.on("halfOpen", () =>
      this.logger.info("business registry circuit half-open: trying one call"),
    );
    this.breaker.on("close", () =>
      this.logger.info("business registry circuit closed: registry answers again"),
    );
  }

  /** The registry's answer for `businessNumber` (any format), or UNVERIFIED when there is none. */
  async status(businessNumber: string): Promise<BusinessNumberStatus> {
    const digits = businessNumber.replace(/\D/g, "");
    try {
      return await this.breaker.fire(digits);
    } catch (err) {
      if (this.breaker.opened && CircuitBreaker.isOurError(err as Error)) {
        this.logger.debug("business registry circuit open: number saved unverified");
      } else {
        // The message only: a request error could carry the URL, and with it the service key.
        const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        this.logger.warn({ reason }, "business registry call failed: number saved unverified");
      }
      return "UNVERIFIED";
    }
  }

  /** closed, open or halfOpen: for logs and readiness. */
  get state(): "closed" | "open" | "halfOpen" {
    if (this.breaker.opened) return "open";
    return this.breaker.halfOpen ? "halfOpen" : "closed";
  }

  /** Clears the breaker's timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async ask(digits: string): Promise<RegistryAnswer> {
    const url = new URL(this.options.url);
    if (this.options.apiKey) url.searchParams.set("serviceKey", this.options.apiKey);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ b_no: [digits] }),
      // Covers the body as well: a registry that stalls mid-answer is abandoned too.
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`business registry answered HTTP ${response.status}`);
    const body = (await response.json()) as RegistryResponse;
    const entry = body.data?.find((item) => item.b_no === digits);
    const answer = entry && STATUS_CODES[entry.b_stt_cd ?? "?"];
    if (body.status_code !== "OK" || !answer) {
      throw new Error("business registry answer without a status for the number");
    }
    return answer;
  }
}
