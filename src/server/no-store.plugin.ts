import type { ApolloServerPlugin } from "@apollo/server";

/**
 * `cache-control: no-store` on every GraphQL response that does not say otherwise: answers carry
 * tokens and personal data, and no cache between the client and us may keep them. Apollo's
 * cache-control plugin used to send the same header (the schema has no cache hints, so its policy
 * was always "uncacheable"), but it wraps every field resolver to compute that policy; this sets
 * the header once per response.
 */
export function noStorePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (!response.http.headers.has("cache-control"))
            response.http.headers.set("cache-control", "no-store");
        },
      };
    },
  };
}
