import { randomBytes, randomUUID } from "node:crypto";
import {
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";

/**
 * Calls generated from the schema, so a test that walks them cannot miss a field added later:
 * one call per root field, with a value for every argument and every input field (optional ones
 * too), each string leaf recorded as a position a test can aim at.
 */

export interface StringPosition {
  /** Dotted path inside the field's arguments, as the server names it (`input.name`). */
  path: string;
  /** The argument or input field's own name (`name`, `password`, `refreshToken`). */
  name: string;
}

export interface GeneratedCall {
  /** `Mutation.login` */
  field: string;
  operation: "query" | "mutation" | "subscription";
  query: string;
  variables: Record<string, unknown>;
  /** Every string the call sends, with its variable path (`$v.input.name` → ["v","input","name"]). */
  strings: Array<StringPosition & { variablePath: string[]; value: string }>;
}

export interface GenerateOptions {
  /** Variable names; default random ones (a client may name them anything). */
  variableName?: (argument: string, index: number) => string;
  /** The value of each string leaf; default a random, unique string. */
  stringValue?: (position: StringPosition) => string;
}

const randomName = () => `v${randomBytes(3).toString("hex")}`;
const randomString = () => `s-${randomBytes(8).toString("hex")}`;

function sample(
  type: GraphQLInputType,
  path: string[],
  name: string,
  out: GeneratedCall["strings"],
  options: Required<GenerateOptions>,
  argumentPath: string,
): unknown {
  if (isNonNullType(type)) return sample(type.ofType, path, name, out, options, argumentPath);
  if (isListType(type)) {
    return [sample(type.ofType, [...path, "0"], name, out, options, `${argumentPath}.0`)];
  }
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields()).map((field) => [
        field.name,
        sample(field.type, [...path, field.name], field.name, out, options, `${argumentPath}.${field.name}`),
      ]),
    );
  }
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isScalarType(type)) {
    switch (type.name) {
      case "String":
      case "ID": {
        const position = { path: argumentPath, name };
        const value =
          type.name === "ID" && name.toLowerCase().endsWith("id")
            ? randomUUID()
            : options.stringValue(position);
        out.push({ ...position, variablePath: path, value });
        return value;
      }
      case "Int":
      case "Float":
        return 1;
      case "Boolean":
        return false;
      case "DateTime":
        return new Date().toISOString();
      case "_Any": {
        const position = { path: `${argumentPath}.id`, name: "id" };
        const value = options.stringValue(position);
        out.push({ ...position, variablePath: [...path, "id"], value });
        return { __typename: "User", id: value };
      }
      default:
        return {};
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

function selection(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isCompositeType(named) ? " { __typename }" : "";
}

/** One call per field of the root type `operation`, each with every argument as a variable. */
export function generateCalls(
  schema: GraphQLSchema,
  operation: GeneratedCall["operation"],
  options: GenerateOptions = {},
): GeneratedCall[] {
  const root =
    operation === "query"
      ? schema.getQueryType()
      : operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const resolved: Required<GenerateOptions> = {
    variableName: options.variableName ?? (() => randomName()),
    stringValue: options.stringValue ?? (() => randomString()),
  };
  return Object.values(root?.getFields() ?? {}).map((field) => {
    const strings: GeneratedCall["strings"] = [];
    const variables: Record<string, unknown> = {};
    const definitions: string[] = [];
    const args: string[] = [];
    field.args.forEach((arg, index) => {
      const variable = resolved.variableName(arg.name, index);
      variables[variable] = sample(arg.type, [variable], arg.name, strings, resolved, arg.name);
      definitions.push(`$${variable}: ${String(arg.type)}`);
      args.push(`${arg.name}: $${variable}`);
    });
    const header = definitions.length ? `(${definitions.join(", ")})` : "";
    const call = args.length ? `(${args.join(", ")})` : "";
    return {
      field: `${root!.name}.${field.name}`,
      operation,
      query: `${operation}${header} { ${field.name}${call}${selection(field)} }`,
      variables,
      strings,
    };
  });
}

/** A copy of `variables` with the leaf at `path` replaced. */
export function withValueAt(
  variables: Record<string, unknown>,
  path: string[],
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(variables);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
  return copy;
}
