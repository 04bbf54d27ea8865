import { graphql, GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { withFieldGuards } from "../../src/graphql/field-guards";
import type { GraphQLContext } from "../../src/graphql/context";
import { formatError } from "../../src/graphql/errors";

// The gateway's schema has no list arguments yet, so the guard is shown on a schema that has.
const calls: string[] = [];
const schema = withFieldGuards(
  new GraphQLSchema({
    query: new GraphQLObjectType({
      name: "Query",
      fields: {
        users: {
          type: new GraphQLList(GraphQLString),
          args: { first: { type: GraphQLInt }, ids: { type: new GraphQLList(GraphQLString) } },
          resolve: (_parent, args: { first?: number }) => {
            calls.push("users");
            return Array.from({ length: args.first ?? 1 }, (_, i) => `user-${i}`);
          },
        },
      },
    }),
  }),
  { maxListSize: 3, maxDepth: 4 },
);

/** Executes as the gateway does, errors formatted as a client reads them (graphql/errors.ts). */
const run = async (
  source: string,
  contextValue: Partial<GraphQLContext> = {},
  variableValues?: Record<string, unknown>,
) => {
  const result = await graphql({ schema, source, contextValue, variableValues });
  return { ...result, errors: result.errors?.map((error) => formatError(error.toJSON(), error)) };
};

describe("field guards", () => {
  it("refuse list arguments and page sizes over the limit, from literals and variables alike", async () => {
    expect((await run('{ users(first: 3, ids: ["a", "b", "c"]) }')).errors).toBeUndefined();

    const tooMany = await run("{ users(first: 4) }");
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { first: "at most 3 items" },
    });
    const longList = await run(
      "query($ids: [String]) { users(ids: $ids) }",
      {},
      { ids: ["a", "b", "c", "d"] },
    );
    expect(longList.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { ids: "at most 3 items" },
    });
  });

  it("start no resolver once the request's deadline has passed", async () => {
    calls.length = 0;
    const controller = new AbortController();
    controller.abort();
    const scope = { deadline: { signal: controller.signal, timeoutMs: 50 } } as GraphQLContext["scope"];
    const result = await run("{ users }", { scope });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "REQUEST_TIMEOUT", timeoutMs: 50 });
    expect(calls).toEqual([]);
  });
});
