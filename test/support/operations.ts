import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse, print, visit, type DocumentNode, type FragmentDefinitionNode } from "graphql";

/**
 * The operations in test/operations/*.graphql, by name, each as a self-contained document with
 * the fragments it uses: tests send exactly what a frontend would.
 */
const dir = path.join(__dirname, "..", "operations");
/** Sent to the composed test supergraph (federation tests), not to this subgraph alone. */
const SUPERGRAPH_FILE = "supergraph.graphql";
const files = readdirSync(dir).filter((file) => file.endsWith(".graphql"));
const documents = files.map((file) => parse(readFileSync(path.join(dir, file), "utf8")));
const supergraphOperations = new Set(
  parse(readFileSync(path.join(dir, SUPERGRAPH_FILE), "utf8")).definitions.flatMap((def) =>
    def.kind === "OperationDefinition" && def.name ? [def.name.value] : [],
  ),
);

const fragments = new Map<string, FragmentDefinitionNode>();
for (const doc of documents) {
  for (const def of doc.definitions) {
    if (def.kind === "FragmentDefinition") fragments.set(def.name.value, def);
  }
}

function fragmentsUsedBy(node: unknown, seen = new Set<string>()): Set<string> {
  visit(node as DocumentNode, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (seen.has(name)) return;
      seen.add(name);
      fragmentsUsedBy(fragments.get(name), seen);
    },
  });
  return seen;
}

const operations = new Map<string, string>();
for (const doc of documents) {
  for (const def of doc.definitions) {
    if (def.kind !== "OperationDefinition" || !def.name) continue;
    const used = [...fragmentsUsedBy(def)].map((name) => fragments.get(name)!);
    operations.set(def.name.value, [def, ...used].map((d) => print(d)).join("\n"));
  }
}

export function op(name: string): string {
  const document = operations.get(name);
  if (!document) throw new Error(`no operation named ${name} in test/operations`);
  return document;
}

/** The name of every operation in test/operations: what the gateway documents and must accept. */
/** Every operation this gateway serves (the supergraph's own operations left out). */
export function allOperationNames(): string[] {
  return [...operations.keys()].filter((name) => !supergraphOperations.has(name));
}
