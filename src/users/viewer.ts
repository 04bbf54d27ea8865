import type { AppError } from "../core/errors";
import type { UserProfile } from "./user.model";

/**
 * Who is calling: the verified user and the session their access token belongs to. Every domain
 * may read it; auth/authenticator.ts is the one place that makes one.
 */
export interface Viewer {
  user: UserProfile;
  sessionId: string;
  /**
   * The verified access token's claims (auth/token.service.ts TokenClaims); outside auth/ only its
   * expiry is read (a WebSocket connection ends then).
   */
  claims: { readonly exp: number };
}

/** Resolved once per request or WebSocket connection. */
export type AuthState = { viewer: Viewer; error?: undefined } | { viewer?: undefined; error?: AppError };
