import type { AppError } from "../errors";
import type { UserProfile } from "../users/user.model";
import type { TokenClaims } from "./token.service";

/** Who is calling: the verified user and the session their access token belongs to. */
export interface Viewer {
  user: UserProfile;
  sessionId: string;
  claims: TokenClaims;
}

/** Resolved once per request or WebSocket connection. */
export type AuthState = { viewer: Viewer; error?: undefined } | { viewer?: undefined; error?: AppError };
