// The schema source of codegen.yml: the subgraph SDL exactly as `_service { sdl }` serves it,
// built from the code without services, so printing it opens no connection. Plain CommonJS
// because codegen imports schema files with import(), which knows nothing of ts-node.
require("ts-node/register/transpile-only");
require("reflect-metadata");
const { buildBareSchema } = require("../src/graphql/schema");
const { subgraphSdl } = require("../src/graphql/subgraph");

module.exports = buildBareSchema().then(subgraphSdl);
