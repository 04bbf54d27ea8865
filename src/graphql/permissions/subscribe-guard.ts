import type { GraphQLSchema } from "graphql";
import type { IMiddlewareFieldMap, IMiddlewareTypeMap } from "graphql-middleware";

/**
 * graphql-middleware wraps a field's `resolve` when it has one, and its `subscribe` only when it
 * has not. Type-GraphQL gives every subscription field both, so on its own the shield would check
 * a subscription only on each event, after it had started listening. This puts the same
 * middleware in front of `subscribe` as well, so a refused subscription never starts.
 *
 * `middleware` is a type map (what graphql-shield generates): every Subscription field must have
 * an entry, which the shield guarantees through its fallback rule.
 */
export function applyMiddlewareToSubscribe(
  schema: GraphQLSchema,
  middleware: IMiddlewareTypeMap,
): GraphQLSchema {
  const type = schema.getSubscriptionType();
  if (!type) return schema;
  const fieldMiddleware = middleware[type.name] as IMiddlewareFieldMap | undefined;
  for (const [name, field] of Object.entries(type.getFields())) {
    const entry = fieldMiddleware?.[name];
    const guard = typeof entry === "function" ? entry : entry?.resolve;
    const subscribe = field.subscribe;
    if (!guard || !subscribe) {
      throw new Error(`Subscription.${name}: no subscribe function or no permission middleware`);
    }
    field.subscribe = (parent, args, ctx, info) =>
      guard((p = parent, a = args, c = ctx, i = info) => subscribe(p, a, c, i), parent, args, ctx, info);
  }
  return schema;
}
