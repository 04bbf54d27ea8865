import type { AuthState } from "../users/viewer";
import type { Authenticator } from "../auth/authenticator";
import { errors } from "../core/errors";
import { toGraphQLError } from "../graphql/errors";
import { unavailableDependency } from "../infra/dependency-errors";
import type { OutageTracker } from "../infra/outage";

/**
 * The caller's token checked against Redis and the database; when either is unreachable the
 * request is refused as SERVICE_UNAVAILABLE (HTTP 503, Retry-After), never served anonymously and
 * never as signed in. Any other failure is thrown as it is.
 */
export async function authenticateOrUnavailable(
  container: { authenticator: Authenticator; outages: OutageTracker },
  authorization: string | undefined,
): Promise<AuthState> {
  try {
    return await container.authenticator.authenticate(authorization);
  } catch (error) {
    throw asUnavailable(container, error);
  }
}

/** SERVICE_UNAVAILABLE (noting the outage once) for an unreachable dependency, else the error. */
export function asUnavailable(container: { outages: OutageTracker }, error: unknown): unknown {
  const dependency = unavailableDependency(error);
  if (!dependency) return error;
  container.outages.lost(dependency, error);
  // A GraphQLError carrying Apollo's `http` (503, Retry-After): it is thrown while the context is
  // built, before any formatting plugin runs.
  return toGraphQLError(errors.serviceUnavailable());
}
