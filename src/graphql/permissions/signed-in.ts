/**
 * The users that register, login and refreshToken have just signed in. Such a request comes
 * without a token, yet the caller may read their own fields in the payload it gets back: the
 * payload's user is marked here, as data, and the `isSelfOrRole` rule reads the mark on the parent it is
 * given. No context field is set for a rule to read.
 *
 * The mark goes on a copy made for this one response, so it can never reach another request
 * (a cached or shared profile object is never marked).
 */
const signedIn = new WeakSet<object>();

export function signedInUser<T extends object>(user: T): T {
  const copy = { ...user };
  signedIn.add(copy);
  return copy;
}

export function isSignedInUser(parent: unknown): boolean {
  return typeof parent === "object" && parent !== null && signedIn.has(parent);
}
