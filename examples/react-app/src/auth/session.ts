import type { TokensFragment } from "../generated/graphql";

/** Why the app is signed out: the gateway's reason (LOGOUT, REVOKED_BY_USER, TOKEN_EXPIRED…). */
export type SignedOutReason = string;

export type SessionState =
  | { status: "signed-out"; reason?: SignedOutReason }
  | { status: "signed-in"; sessionId: string; expiresAt: Date };

/** Asks the gateway for a new pair; throws the gateway's error when the session is over. */
export type RefreshCall = (refreshToken: string) => Promise<TokensFragment>;

/** The claims the app reads from its own access token (it does not verify it: the gateway does). */
function claimsOf(accessToken: string): { sid: string; exp: number } {
  const payload = accessToken.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(json) as { sid: string; exp: number };
}

/**
 * The signed-in session, in memory only: the access token and the refresh token live in this
 * object and nowhere else (no localStorage, no cookie), so a script injected into the page later
 * cannot find them in storage, and a reload signs out (docs/frontend.md, "Token storage").
 *
 * `renew(stale)` is the one way to refresh, shared by HTTP requests and the WebSocket:
 *
 * - one refresh at a time: callers that arrive while one runs wait for it and get its result;
 * - only for the token that failed: a request that was sent with an older token, and fails after
 *   the refresh has already replaced it, just retries with the current one.
 *
 * So concurrent requests that all meet TOKEN_EXPIRED cause exactly one `refreshToken`. That
 * matters: the refresh token rotates on every use, and presenting a rotated one again counts as
 * theft and ends the session, except within REFRESH_TOKEN_REUSE_GRACE_SECONDS (10 s) from the
 * same client, when the gateway answers the same new pair. The grace window covers what one tab cannot coordinate (a
 * refresh whose answer was lost and is sent again); this object makes the app never rely on it.
 */
export class Session {
  private tokens?: TokensFragment;
  private renewal?: Promise<string>;
  private state: SessionState = { status: "signed-out" };
  private readonly listeners = new Set<(state: SessionState) => void>();

  constructor(private readonly refresh: RefreshCall) {}

  get current(): SessionState {
    return this.state;
  }

  get accessToken(): string | undefined {
    return this.tokens?.accessToken;
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After sign-up, sign-in or a refresh: keep the new pair. */
  signIn(tokens: TokensFragment): void {
    this.tokens = tokens;
    const { sid, exp } = claimsOf(tokens.accessToken);
    this.set({ status: "signed-in", sessionId: sid, expiresAt: new Date(exp * 1000) });
  }

  /** Forgets both tokens. */
  signOut(reason?: SignedOutReason): void {
    if (this.state.status === "signed-out") return;
    this.tokens = undefined;
    this.renewal = undefined;
    this.set({ status: "signed-out", reason });
  }

  /** True when the access token's `exp` has passed by this browser's clock (a hint only). */
  looksExpired(): boolean {
    return this.state.status === "signed-in" && this.state.expiresAt.getTime() <= Date.now();
  }

  /**
   * A usable access token after `stale` failed: the current one if it has already been replaced,
   * otherwise the result of the (single) refresh. Signs out and throws when the session is over.
   */
  async renew(stale: string | undefined): Promise<string> {
    const tokens = this.tokens;
    if (!tokens) throw new Error("signed out");
    if (stale !== undefined && tokens.accessToken !== stale) return tokens.accessToken;
    this.renewal ??= this.refresh(tokens.refreshToken).then(
      (next) => {
        this.renewal = undefined;
        this.signIn(next);
        return next.accessToken;
      },
      (error: unknown) => {
        this.renewal = undefined;
        // The gateway said no (session ended, token reused or expired): signed out. A network
        // failure says nothing about the session: keep it and let the caller retry later.
        const reason = reasonOf(error);
        if (reason) this.signOut(reason);
        throw error;
      },
    );
    return this.renewal;
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** The registry code of a gateway error (`extensions.reason` or `extensions.code`). */
export function reasonOf(error: unknown): string | undefined {
  const graphQLErrors = (error as { graphQLErrors?: Array<{ extensions?: Record<string, unknown> }> })
    ?.graphQLErrors;
  const extensions = graphQLErrors?.[0]?.extensions;
  const reason = extensions?.reason ?? extensions?.code;
  return typeof reason === "string" ? reason : undefined;
}
