/**
 * Dependency rules for src/ (`npm run deps:check`, in CI). scripts/deps-check.mjs runs them and
 * compares what they find with deps-baseline.json, the violations that exist today: a new one
 * fails the check, and so does a baseline entry that no longer happens (shrink the baseline with
 * `npm run deps:baseline`). Folders are compared, not files: `src/auth → src/server` is one entry
 * however many files of auth/ import server/.
 *
 * The tiers of src/, each importing only the tiers above it (docs/contributing.md):
 *   1. core/                                   transport-neutral basics: error catalog, paging…
 *   2. config/, observability/, infra/, db/     configuration, metrics and tracing, clients
 *   3. the domains (outbox/, audit/, users/, sessions/, auth/, mfa/, recovery/,
 *      admin/, gdpr/, limits/)                 the business rules; no GraphQL, no HTTP
 *   4. graphql/                                the GraphQL adapter
 *   5. server/, playground/                    HTTP and WebSocket
 *   6. the composition root (container, composition/), main.ts, cli/
 */
const CORE = "^src/core/";
const PLATFORM = "^src/(config|observability|infra|db)/|^src/config[.]ts$";
const DOMAINS = "^src/(outbox|audit|users|sessions|auth|mfa|recovery|admin|gdpr|limits)/";
const GRAPHQL = "^src/graphql/";
const SERVER = "^src/(server|playground)/";
const COMPOSITION = "^src/(composition/|cli/|container[.]ts$|container[.][^/]+[.]ts$|main[.]ts$)";
const either = (...patterns) => patterns.map((pattern) => `(${pattern})`).join("|");

module.exports = {
  forbidden: [
    {
      name: "no-folder-cycle",
      comment:
        "Folders of src/ import each other one way: a folder that reaches itself through its imports " +
        "cannot be understood, tested or moved on its own.",
      severity: "error",
      scope: "folder",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "core-imports-no-folder",
      comment: "core/ is the base every folder may use: it imports no other folder of src/.",
      severity: "error",
      from: { path: CORE },
      to: { path: "^src/", pathNot: CORE },
    },
    {
      name: "platform-not-to-domains",
      comment:
        "config/, observability/, infra/ and db/ are the clients and technical adapters the domains " +
        "use: they import only core/ and each other, never a domain, graphql/, server/ or the composition root.",
      severity: "error",
      from: { path: PLATFORM },
      to: { path: either(DOMAINS, GRAPHQL, SERVER, COMPOSITION) },
    },
    {
      name: "domain-not-to-transport",
      comment:
        "Domain folders do not import the transport layers (graphql/, server/, playground/) or the " +
        "composition root: a business rule holds whatever the transport.",
      severity: "error",
      from: { path: DOMAINS },
      to: { path: either(GRAPHQL, SERVER, COMPOSITION) },
    },
    {
      name: "graphql-not-to-server",
      comment:
        "graphql/ (schema, context, permissions, resolvers, error mapping) knows nothing of HTTP or " +
        "WebSocket, nor of the composition root: server/ builds on it, not the other way round.",
      severity: "error",
      from: { path: GRAPHQL },
      to: { path: either(SERVER, COMPOSITION) },
    },
    {
      name: "server-not-to-composition",
      comment:
        "server/ receives what it uses (the composition root builds it and hands it down); it does " +
        "not reach back into the composition root.",
      severity: "error",
      from: { path: SERVER },
      to: { path: COMPOSITION },
    },
    {
      name: "no-unknown-folder",
      comment:
        "Every folder of src/ has a tier (the patterns above): a new folder is placed in one here, and " +
        "in docs/contributing.md's project layout, when it is made.",
      severity: "error",
      from: { path: "^src/", pathNot: either(CORE, PLATFORM, DOMAINS, GRAPHQL, SERVER, COMPOSITION) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // The generated Prisma client is a dependency like a package, not one of our folders.
    exclude: { path: "^src/generated/" },
    // A type-only import is a dependency between folders all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
