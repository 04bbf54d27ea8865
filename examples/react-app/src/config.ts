/**
 * Where the identity gateway is: set VITE_GATEWAY_URL when building or running Vite (e.g.
 * `VITE_GATEWAY_URL=https://identity.example.com/graphql`). Subscriptions use the same URL over
 * ws:// or wss://. The gateway must list this app's origin in CORS_ORIGINS.
 */
export const GATEWAY_URL: string = import.meta.env.VITE_GATEWAY_URL ?? "http://localhost:4000/graphql";
export const GATEWAY_WS_URL = GATEWAY_URL.replace(/^http/, "ws");
