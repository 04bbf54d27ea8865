import type { AuthState } from "../auth/viewer";
import type { Container } from "../container";
import { errors } from "../errors";
import { unavailableDependency } from "../infra/dependency-errors";

/**
 * The caller's token checked against Redis and the database; when either is unreachable the
 * request is refused as SERVICE_UNAVAILABLE (HTTP 503, Retry-After), never served anonymously and
 * never as signed in. Any other failure is thrown as it is.
 */
export async function authenticateOrUnavailable(
  container: Pick<Container, "authenticator" | "outages">,
  authorization: string | undefined,
): Promise<AuthState> {
  try {
    return await container.authenticator.authenticate(authorization);
  } catch (error) {
    throw asUnavailable(container, error);
  }
}

/** SERVICE_UNAVAILABLE (noting the outage once) for an unreachable dependency, else the error. */
export function asUnavailable(container: Pick<Container, "outages">, error: unknown): unknown {
  const dependency = unavailableDependency(error);
  if (!dependency) return error;
  container.outages.lost(dependency, error);
  return errors.serviceUnavailable();
}
