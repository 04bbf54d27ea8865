import {
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";

/**
 * Schema positions whose values are credentials: any argument or input field named like a
 * password, a token or a secret (`password`, `currentPassword`, `newPassword`, `refreshToken`,
 * `token`…). What matters is where a value lands in the schema, never what the client called
 * its variable: `$t` passed to `refreshToken(refreshToken: $t)` is as secret as `$refreshToken`.
 */
const SECRET_POSITION = /password|token|secret/i;

export const REDACTED = "[REDACTED]";
/** Deeper values are cut: a client decides how deep its variables go. */
const MAX_DEPTH = 10;

export function isSecretPosition(name: string): boolean {
  return SECRET_POSITION.test(name);
}

/** Variables used directly as the value of a secret argument or input field, anywhere. */
function secretVariables(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const secret = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const mark = (name: string, value: { kind: string; name?: { value: string } }) => {
    if (value.kind === Kind.VARIABLE && isSecretPosition(name)) secret.add(value.name!.value);
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: (node) => mark(node.name.value, node.value),
      ObjectField: (node) => mark(node.name.value, node.value),
    }),
  );
  return secret;
}

function redactValue(value: unknown, type: GraphQLInputType | undefined, depth: number): unknown {
  if (value === null || value === undefined) return value;
  if (depth > MAX_DEPTH) return "[…]";
  if (type && isNonNullType(type)) return redactValue(value, type.ofType, depth);
  if (type && isListType(type)) {
    return Array.isArray(value)
      ? value.map((item) => redactValue(item, type.ofType, depth + 1))
      : redactValue(value, type.ofType, depth);
  }
  if (type && isInputObjectType(type) && typeof value === "object" && !Array.isArray(value)) {
    const fields = type.getFields();
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, item]) => [
        name,
        isSecretPosition(name) ? REDACTED : redactValue(item, fields[name]?.type, depth + 1),
      ]),
    );
  }
  // A scalar or enum where the schema expects one; anything else (the schema does not know it)
  // is not logged.
  return type && typeof value !== "object" ? value : REDACTED;
}

/**
 * The variables of an operation as they may be logged: declared variables only, each value
 * redacted where it lands on a secret position of the schema (at any depth of an input object),
 * or where the variable is passed straight to a secret argument. Undeclared variables are left
 * out (the operation never reads them), and unknown shapes are redacted rather than guessed at.
 */
export function loggableVariables(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!variables) return {};
  const secret = secretVariables(schema, document);
  const out: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!(name in variables)) continue;
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    out[name] = secret.has(name) ? REDACTED : redactValue(variables[name], type, 1);
  }
  return out;
}
