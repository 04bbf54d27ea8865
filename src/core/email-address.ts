import { domainToASCII } from "node:url";
import { analyzeEmail } from "@hapi/address";
import { tlds } from "@hapi/tlds";
import { errors } from "./errors";
import { textProblem } from "./text";

/**
 * E-mail addresses: one spelling per mailbox, and only addresses that can belong to a person.
 *
 * Syntax is @hapi/address's (RFC 5321/6531, maintained) rather than a pattern of our own.
 * Normalisation makes every spelling of one mailbox the same string before uniqueness, lockout,
 * rate limits and lookups see it: Unicode NFC (so precomposed "é" and "e" + U+0301 are one
 * address), lower case, and the domain in its ASCII (IDNA/punycode) form through Node's
 * `url.domainToASCII` (so `bücher.example` and `xn--bcher-kva.example` are one domain).
 */

/** The most characters an address may have (RFC 5321's path limit less the brackets). */
const MAX_LENGTH = 254;

/**
 * Top-level domains no person's mailbox can be in, besides those outside the IANA root zone.
 * `arpa` is in the root zone but is DNS infrastructure (reverse lookups, RFC 8375's home.arpa).
 * The special-use TLDs of RFC 2606 and RFC 6761 (`test`, `example`, `invalid`, `localhost`), and
 * `local` (RFC 6762), `onion` (RFC 7686) and `alt` (RFC 9476), are not in the root zone, so the
 * IANA list (@hapi/tlds) refuses them already. The erased-account placeholder lives under
 * `.invalid` (gdpr/user-erasure.service.ts): nobody can register an address that collides with it.
 */
const NOT_MAILBOX_TLDS = new Set(["arpa"]);

/** Syntax only: any top-level domain (a login may name an address registered before a rule). */
const ANY_TLD = { tlds: { deny: new Set<string>() } };

/**
 * The canonical form of an address a client sent (login, password reset, registration): trimmed,
 * NFC, lower-cased, domain in ASCII. INVALID_EMAIL_FORMAT (naming `field`) when it is not an
 * address.
 */
export function normalizeEmail(raw: string, field = "email"): string {
  const trimmed = raw.trim().normalize("NFC").toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || textProblem(trimmed)) throw errors.invalidEmailFormat(field);
  const domain = domainToASCII(trimmed.slice(at + 1));
  const email = `${trimmed.slice(0, at)}@${domain}`;
  if (!domain || email.length > MAX_LENGTH || analyzeEmail(email, ANY_TLD)) {
    throw errors.invalidEmailFormat(field);
  }
  return email;
}

/**
 * An address a new account may have: normalised, and in a domain that can receive mail
 * (a top-level domain of the IANA root zone, and not infrastructure). Every way an account is
 * created goes through here: register, adminCreateUser and the admin:create command.
 */
export function registrableEmail(raw: string, field = "email"): string {
  const email = normalizeEmail(raw, field);
  const tld = email.slice(email.lastIndexOf(".") + 1);
  if (NOT_MAILBOX_TLDS.has(tld) || analyzeEmail(email, { tlds: { allow: tlds } })) {
    throw errors.invalidEmailFormat(field);
  }
  return email;
}
