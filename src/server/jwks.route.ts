import { Router } from "express";
import type { TokenService } from "../auth/token.service";

export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * `GET /.well-known/jwks.json`: the public keys other services verify our tokens with (RFC 7517),
 * current key first. Public keys only: with HS256 the set is empty, the secret is never published.
 * The set is fixed for the life of the process; a verifier that meets an unknown `kid` after a
 * rotation fetches it again, so a short cache is enough.
 */
export function jwksRouter(tokens: TokenService): Router {
  const body = JSON.stringify({ keys: tokens.publicKeys });
  const router = Router();
  router.get(JWKS_PATH, (_req, res) => {
    res.set("cache-control", "public, max-age=300").type("application/json").send(body);
  });
  return router;
}
