/**
 * Dependency rules for src/ (`npm run deps:check`, in CI). scripts/deps-check.mjs runs them and
 * compares what they find with deps-baseline.json, the violations that exist today: a new one
 * fails the check, and so does a baseline entry that no longer happens (shrink the baseline with
 * `npm run deps:baseline`). Folders are compared, not files: `src/auth → src/server` is one entry
 * however many files of auth/ import server/.
 */
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
      name: "domain-not-to-transport",
      comment:
        "Domain folders (everything in src/ but the transport layers and the composition root) do " +
        "not import the transport layers server/ (HTTP, WebSocket) and graphql/.",
      severity: "error",
      from: { path: "^src/[^/]+/", pathNot: "^src/(server|graphql|composition)/" },
      to: { path: "^src/(server|graphql)/" },
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
