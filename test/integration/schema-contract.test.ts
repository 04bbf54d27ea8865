import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isIntrospectionType,
  type GraphQLSchema,
} from "graphql";
import { buildBareSchema } from "../../src/graphql/schema";

const root = path.join(__dirname, "..", "..");

/** Types and root fields that @apollo/subgraph adds: their descriptions are federation's. */
const FEDERATION_TYPES = /^(_Any|_Entity|_Service|link__\w+|federation__\w+)$/;
const FEDERATION_ROOT_FIELDS = new Set(["Query._entities", "Query._service"]);

/** Every public type, field, argument, input field and enum value without a description. */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (where: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(where);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type) || FEDERATION_TYPES.test(type.name))
      continue;
    const isRoot = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(
      type as never,
    );
    if (!isRoot) need(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const where = `${type.name}.${field.name}`;
        if (FEDERATION_ROOT_FIELDS.has(where)) continue;
        need(where, field.description);
        for (const arg of "args" in field ? field.args : []) need(`${where}(${arg.name})`, arg.description);
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

/** Runs `npm run schema:check` (its script) as CI does; resolves with its exit code and output. */
function schemaCheck(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(root, "scripts", "schema-check.ts"), ...args],
      { cwd: root, env: { PATH: process.env.PATH } },
    );
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("schema contract", () => {
  it("describes every public type, field, argument and enum value", async () => {
    expect(undocumented(await buildBareSchema())).toEqual([]);
  });

  it("notices an undocumented field (the check above can fail)", async () => {
    const schema = await buildBareSchema();
    const me = schema.getQueryType()!.getFields().me!;
    const description = me.description;
    me.description = undefined;
    expect(undocumented(schema)).toEqual(["Query.me"]);
    me.description = description;
  });

  it("schema:check passes while the committed schema.graphql matches the code", async () => {
    const { code, output } = await schemaCheck();
    expect(output).toContain("schema:check: schema.graphql and the typed documents match the code");
    expect(code).toBe(0);
  }, 60_000);

  it("schema:check fails, with a diff, when the committed SDL differs from the code", async () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), "schema-contract-"));
    try {
      // The typed documents as committed (the tests' and the frontend example's).
      for (const file of ["test/generated/graphql.ts", "examples/react-app/src/generated/graphql.ts"]) {
        mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        copyFileSync(path.join(root, file), path.join(copy, file));
      }
      const committed = readFileSync(path.join(root, "schema.graphql"), "utf8");
      // a field someone removed from the code without regenerating: the file still has it
      writeFileSync(
        path.join(copy, "schema.graphql"),
        committed.replace("  me: User!\n", '  me: User!\n  """Gone."""\n  legacy: String\n'),
      );
      const { code, output } = await schemaCheck("--compare-to", copy);
      expect(code).toBe(1);
      expect(output).toContain("--- schema.graphql (committed)");
      expect(output).toMatch(/^-  legacy: String$/m);
      expect(output).toContain("schema:check: DRIFT in schema.graphql:");
      expect(output).not.toContain("generated/graphql.ts");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});
