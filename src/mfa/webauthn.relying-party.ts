import type { MfaFactorRepository } from "./factor.repository";
import type { WebAuthnCeremonyStore } from "./webauthn-ceremony.store";

/**
 * The WebAuthn relying party: the id credentials are scoped to (a registrable domain, e.g.
 * `example.com`), the name authenticators show, and the exact origins pages may run ceremonies
 * from. Browsers refuse an rp id that is not the page's host or a parent of it, and the server
 * refuses an answer whose origin or rp id hash is not one of these, so a phishing site's
 * ceremonies never verify here.
 */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** What both WebAuthn ceremonies (registration, authentication) are built from. */
export interface PasskeyDeps {
  factors: MfaFactorRepository;
  ceremonies: WebAuthnCeremonyStore;
  rp: RelyingParty;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * Checks a relying party from configuration (proposed WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME,
 * WEBAUTHN_ORIGINS) and returns it normalised. Each origin must be `https://host[:port]` (plain
 * http only on localhost, as browsers allow) whose host is the rp id or below it. Throws naming
 * the problem.
 */
export function relyingParty(input: { id: string; name: string; origins: readonly string[] }): RelyingParty {
  const id = input.id.trim().toLowerCase();
  if (!DOMAIN.test(id) || /^\d+(\.\d+){3}$/.test(id)) {
    throw new Error(
      `WebAuthn rp id "${input.id}" must be a domain name (no scheme, port or path; not an IP address)`,
    );
  }
  const name = input.name.trim();
  if (!name) throw new Error("WebAuthn rp name must not be empty");
  if (input.origins.length === 0) throw new Error("WebAuthn needs at least one origin");
  const origins = input.origins.map((text) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      throw new Error(`WebAuthn origin "${text}" is not a URL`);
    }
    if (url.origin !== text.trim().replace(/\/$/, "")) {
      throw new Error(`WebAuthn origin "${text}" must be scheme://host[:port] only`);
    }
    const secure = url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
    if (!secure) throw new Error(`WebAuthn origin "${text}" must use https (http only on localhost)`);
    if (url.hostname !== id && !url.hostname.endsWith(`.${id}`)) {
      throw new Error(`WebAuthn origin "${text}" is not on the rp id ${id} or a subdomain of it`);
    }
    return url.origin;
  });
  return { id, name, origins: [...new Set(origins)] };
}

/** The challenge a WebAuthn answer signed, from its clientDataJSON; null when unreadable. */
export function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | null {
  const encoded = response.response?.clientDataJSON;
  if (typeof encoded !== "string") return null;
  try {
    const clientData = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as {
      challenge?: unknown;
    };
    return typeof clientData.challenge === "string" ? clientData.challenge : null;
  } catch {
    return null;
  }
}
