import type { GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { errors } from "../core/errors";
import type { GraphQLContext } from "./context";
import { entityKeys, representationProblem } from "./entity-representations";
import { inspectArguments, type InputLimits, type InputProblem } from "./input-inspection";

function refuse(found: InputProblem): never {
  if (found.maxItems !== undefined) throw errors.listTooLong(found.path, found.maxItems);
  throw errors.badUserInput({ [found.path]: found.problem });
}

/**
 * The outermost layer of every field, before permissions, on every transport (HTTP, graphql-ws)
 * since both serve this schema: once the request's deadline has passed no further resolver
 * starts (REQUEST_TIMEOUT); every argument passes the input rules (input-inspection.ts:
 * text without control or formatting characters, list sizes, nesting), naming the argument in
 * BAD_USER_INPUT; and `_entities` representations are checked before they resolve. graphql-armor's
 * limits see only the query text; these see the variables too. Subscription fields are guarded
 * where they start (`subscribe`) as well as on each event.
 */
export function withFieldGuards(schema: GraphQLSchema, limits: InputLimits): GraphQLSchema {
  const entities = entityKeys(schema);
  const guard = (args: Record<string, unknown>, ctx: GraphQLContext | undefined, field: string) => {
    const deadline = ctx?.scope?.deadline;
    if (deadline?.signal.aborted) throw errors.requestTimeout(deadline.timeoutMs);
    const found =
      inspectArguments(args, limits) ??
      (field === "Query._entities" ? representationProblem(args.representations, entities) : undefined);
    if (found) refuse(found);
  };

  const guarded = applyMiddleware(schema, (resolve, parent, args, ctx: GraphQLContext, info) => {
    guard(args, ctx, `${info.parentType.name}.${info.fieldName}`);
    return resolve(parent, args, ctx, info);
  });
  const subscription = guarded.getSubscriptionType();
  for (const field of Object.values(subscription?.getFields() ?? {})) {
    const subscribe = field.subscribe as GraphQLFieldResolver<unknown, GraphQLContext> | undefined;
    if (!subscribe) continue;
    field.subscribe = (parent, args, ctx, info) => {
      guard(args, ctx, `${subscription!.name}.${field.name}`);
      return subscribe(parent, args, ctx, info);
    };
  }
  return guarded;
}
