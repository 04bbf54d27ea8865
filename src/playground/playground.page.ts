import { PLAYGROUND_ASSETS, type PlaygroundAssets } from "./playground.assets";
import type { PlaygroundExample } from "./playground.examples";

/** Where the page loads its files from (the router serves dist/public/playground there). */
export const ASSETS_PATH = "/playground";

/**
 * The page's Content-Security-Policy: every script and style from the gateway itself (no inline
 * script: the page's settings travel in a JSON data block, which is never executed), GraphiQL's
 * fonts and icons as data: URLs, requests and the graphql-ws socket to the same origin only.
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that cannot end the <script> element it sits in, nor open a comment there. */
const scriptSafeJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

export function playgroundPage(
  assets: PlaygroundAssets,
  settings: { endpoint: string; examples: PlaygroundExample[] },
): string {
  const url = (name: string) => `${ASSETS_PATH}/${name}`;
  const sri = (name: string) => escapeHtml(assets.integrity[name] ?? "");
  const styles = PLAYGROUND_ASSETS.styles
    .map((name) => `<link rel="stylesheet" href="${url(name)}" integrity="${sri(name)}">`)
    .join("\n    ");
  const scripts = PLAYGROUND_ASSETS.scripts
    .map((name) => `<script defer src="${url(name)}" integrity="${sri(name)}"></script>`)
    .join("\n    ");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Aegis identity gateway · playground</title>
    <link rel="icon" href="data:,">
    ${styles}
    <script type="application/json" id="playground-config">${scriptSafeJson(settings)}</script>
    ${scripts}
  </head>
  <body>
    <header id="playground-bar"><strong>Aegis identity gateway</strong></header>
    <main id="graphiql"><p class="loading">Loading the playground…</p></main>
    <noscript>The playground needs JavaScript.</noscript>
  </body>
</html>
`;
}
