import { mfaErrors } from "./mfa.errors";

/**
 * Whether a sign-in (or re-authentication) at `authTimeSeconds` is recent enough for a sensitive
 * operation: within `maxAgeSeconds` (proposed STEP_UP_MAX_AGE_SECONDS) of now. A time in the
 * future (clock skew between replicas) counts as now, never as "recent for ever".
 */
export function isRecentAuthentication(
  authTimeSeconds: number | undefined,
  maxAgeSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (authTimeSeconds === undefined || !Number.isFinite(authTimeSeconds)) return false;
  return nowSeconds - Math.min(authTimeSeconds, nowSeconds) <= maxAgeSeconds;
}

/** Throws REAUTHENTICATION_REQUIRED unless the sign-in is recent enough. */
export function assertRecentAuthentication(
  authTimeSeconds: number | undefined,
  maxAgeSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): void {
  if (!isRecentAuthentication(authTimeSeconds, maxAgeSeconds, nowSeconds)) {
    throw mfaErrors.reauthenticationRequired(maxAgeSeconds);
  }
}
