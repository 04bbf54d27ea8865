import type { SecondFactorMethod } from "./mfa.errors";

/** How a sign-in was proven: the password and/or one second factor. */
export type AuthMethod = "pwd" | SecondFactorMethod;

/**
 * The `amr` claim (RFC 8176 values) of the tokens of a sign-in made with `methods`: `pwd`, `otp`
 * (a TOTP code, and a recovery code, which is a one-time password too), `hwk` (a key held by an
 * authenticator: passkey or security key), and `mfa` when two factors were proven, or a passkey
 * that verified the user (it is something held and something known or are). Sorted, each once.
 */
export function amrOf(methods: readonly AuthMethod[], options: { userVerified?: boolean } = {}): string[] {
  const amr = new Set<string>();
  for (const method of methods) {
    if (method === "pwd") amr.add("pwd");
    else if (method === "totp" || method === "recovery_code") amr.add("otp");
    else if (method === "webauthn") amr.add("hwk");
  }
  const factors = new Set(methods).size;
  if (factors >= 2 || (methods.includes("webauthn") && options.userVerified)) amr.add("mfa");
  return [...amr].sort();
}
