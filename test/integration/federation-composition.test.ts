import { readFileSync } from "node:fs";
import path from "node:path";
import { buildBareSchema } from "../../src/graphql/schema";
import { subgraphSdl } from "../../src/graphql/subgraph";
import { composeSupergraph, type Composer } from "../support/federation";
import { POLICIES_SDL } from "../support/policies-subgraph";

/**
 * Composition with a second subgraph that has Relay connections of its own, and so its own
 * PageInfo: with Apollo's composition (Rover, GraphOS) and with The Guild's (Hive, Hive Gateway).
 * Both refuse a value type that two subgraphs resolve unless every definition is `@shareable`.
 */

let built: string;
const committed = readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8");
beforeAll(async () => {
  built = await subgraphSdl(await buildBareSchema());
});

const subgraphs = (identity: string) => [
  { name: "identity", url: "http://identity:4000/graphql", sdl: identity },
  { name: "policies", url: "http://policies:4001/graphql", sdl: POLICIES_SDL },
];

describe.each<Composer>(["apollo", "the-guild"])("composition (%s)", (composer) => {
  it("composes this subgraph with another that defines PageInfo for its own connections", () => {
    const supergraph = composeSupergraph(subgraphs(built), composer);
    // One PageInfo, resolvable from either subgraph.
    expect(supergraph).toMatch(
      /type PageInfo\s+@join__type\(graph: IDENTITY\)\s+@join__type\(graph: POLICIES\)/,
    );
    expect(supergraph).toMatch(/policyPage\(first: Int! = 10, after: String\): PolicyConnection!/);
    expect(supergraph).toMatch(/users\(/);
  });

  it("composes the committed schema.graphql the same way", () => {
    expect(() => composeSupergraph(subgraphs(committed), composer)).not.toThrow();
  });

  it("would refuse it without @shareable on our PageInfo (what composition checks)", () => {
    const unshared = built.replace(/type PageInfo\s+@shareable/, "type PageInfo");
    expect(unshared).not.toEqual(built);
    expect(() => composeSupergraph(subgraphs(unshared), composer)).toThrow(
      /Non-shareable field "PageInfo\.hasNextPage" is resolved from multiple subgraphs/,
    );
  });
});
