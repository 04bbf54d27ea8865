import { isObjectType, isUnionType, Kind, type GraphQLSchema } from "graphql";
import type { InputProblem } from "./input-inspection";

/** Entity type name → the fields of its `@key`, read from the subgraph schema. */
export type EntityKeys = ReadonlyMap<string, readonly string[]>;

/**
 * The entities this subgraph resolves (the members of `_Entity`) and the key fields a router must
 * send for each. Only flat keys (`@key(fields: "id")`) are supported: a nested one fails at start.
 */
export function entityKeys(schema: GraphQLSchema): EntityKeys {
  const union = schema.getType("_Entity");
  const keys = new Map<string, string[]>();
  if (!isUnionType(union)) return keys;
  for (const type of union.getTypes()) {
    if (!isObjectType(type)) continue;
    const fields = new Set<string>();
    for (const directive of [type.astNode, ...(type.extensionASTNodes ?? [])].flatMap(
      (node) => node?.directives ?? [],
    )) {
      if (directive.name.value !== "key") continue;
      const argument = directive.arguments?.find((arg) => arg.name.value === "fields");
      if (argument?.value.kind !== Kind.STRING || /[{}]/.test(argument.value.value)) {
        throw new Error(`${type.name}: only flat @key fields are supported`);
      }
      for (const field of argument.value.value.split(/[\s,]+/).filter(Boolean)) fields.add(field);
    }
    keys.set(type.name, [...fields]);
  }
  return keys;
}

/**
 * The first problem with the `representations` of an `_entities` call, before anything resolves
 * them: each must be an object naming an entity of this subgraph in `__typename` and carrying
 * each of its key fields as a string. A router never sends anything else, so anything else is a
 * client's mistake (BAD_USER_INPUT), not a server error.
 */
export function representationProblem(representations: unknown, keys: EntityKeys): InputProblem | undefined {
  if (!Array.isArray(representations)) {
    return { path: "representations", problem: "must be a list of entity representations" };
  }
  for (const [index, representation] of representations.entries()) {
    const path = `representations.${index}`;
    if (typeof representation !== "object" || representation === null || Array.isArray(representation)) {
      return { path, problem: "must be an object with __typename and the entity's key fields" };
    }
    const { __typename: typename } = representation as Record<string, unknown>;
    const fields = typeof typename === "string" ? keys.get(typename) : undefined;
    if (!fields) {
      return { path: `${path}.__typename`, problem: "must name an entity of this subgraph" };
    }
    for (const field of fields) {
      if (typeof (representation as Record<string, unknown>)[field] !== "string") {
        return { path: `${path}.${field}`, problem: "is required (a string)" };
      }
    }
  }
  return undefined;
}
