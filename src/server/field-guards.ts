import type { GraphQLSchema } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { errors } from "../errors";
import type { GraphQLContext } from "./context";

/** Arguments that ask for a number of items: capped like list arguments. */
const PAGE_SIZE_ARGUMENTS = new Set(["first", "last", "limit", "take", "pageSize", "perPage"]);

/** The first argument (as a dotted path) that asks for more than `max` items, if any. */
export function oversizedArgument(
  args: Record<string, unknown>,
  max: number,
  prefix = "",
): string | undefined {
  for (const [name, value] of Object.entries(args)) {
    const path = prefix + name;
    if (Array.isArray(value)) {
      if (value.length > max) return path;
      for (const item of value) {
        if (isInputObject(item)) {
          const found = oversizedArgument(item, max, `${path}.`);
          if (found) return found;
        }
      }
    } else if (typeof value === "number") {
      if (PAGE_SIZE_ARGUMENTS.has(name) && value > max) return path;
    } else if (isInputObject(value)) {
      const found = oversizedArgument(value, max, `${path}.`);
      if (found) return found;
    }
  }
  return undefined;
}

function isInputObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

/**
 * The outermost layer of every field, before permissions: once the request's deadline has passed
 * no further resolver starts (REQUEST_TIMEOUT), and no field takes a list argument, or a page
 * size (`first`, `limit`…), larger than `maxListSize` (BAD_USER_INPUT). graphql-armor's limits
 * see only the query text; these see the variables too.
 */
export function withFieldGuards(schema: GraphQLSchema, maxListSize: number): GraphQLSchema {
  return applyMiddleware(schema, (resolve, parent, args, ctx: GraphQLContext, info) => {
    const deadline = ctx.scope?.deadline;
    if (deadline?.signal.aborted) throw errors.requestTimeout(deadline.timeoutMs);
    const oversized = oversizedArgument(args, maxListSize);
    if (oversized) throw errors.listTooLong(oversized, maxListSize);
    return resolve(parent, args, ctx, info);
  });
}
