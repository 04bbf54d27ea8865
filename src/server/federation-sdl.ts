import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "../config";

/** The header a router (or Rover) sends the shared secret in when FEDERATION_SDL_ACCESS=secret. */
export const SDL_SECRET_HEADER = "x-federation-sdl-secret";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Whether an HTTP request (given the SDL_SECRET_HEADER it presented) may read the subgraph SDL (`_service { sdl }`), which is the whole
 * schema: anyone (`open`), a caller presenting the shared secret (`secret`), or no one (`off`,
 * for routers that get the schema from the committed schema.graphql or a registry). The secret is
 * compared as SHA-256 digests in constant time, so neither its length nor its content leaks
 * through timing.
 */
export function subgraphSdlPolicy(
  federation: Config["federation"],
): (presentedSecret: string | undefined) => boolean {
  switch (federation.sdlAccess) {
    case "open":
      return () => true;
    case "off":
      return () => false;
    case "secret": {
      // loadConfig refuses `secret` without one.
      const expected = digest(federation.sdlSecret ?? "");
      return (presented) => presented !== undefined && timingSafeEqual(digest(presented), expected);
    }
  }
}
