import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { GraphQLError, parse } from "graphql";
import * as jose from "jose";
import { silentLogger } from "./federation";

/**
 * A second subgraph, as another team would write it: it extends the gateway's `User` with
 * `policies` (a list, and a page of them as a Relay connection with its own PageInfo), and trusts
 * the gateway's access tokens by verifying them against the published JWKS (no shared secret, no
 * call to the gateway's API).
 */
export const POLICIES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

  "An insurance policy."
  type Policy {
    id: ID!
    title: String!
    "Other users who may see this policy (resolved by the identity subgraph)."
    sharedWith: [User!]!
  }

  "A page of policies."
  type PolicyConnection {
    edges: [PolicyEdge!]!
    pageInfo: PageInfo!
  }

  type PolicyEdge {
    cursor: String!
    node: Policy!
  }

  "Relay's PageInfo, defined here as in every subgraph with connections."
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type User @key(fields: "id") {
    id: ID!
    "The user's policies: only the user may read them."
    policies: [Policy!]!
    "The same, a page at a time."
    policyPage(first: Int! = 10, after: String): PolicyConnection!
  }
`;

/** A Relay page of `rows`; the cursor is the row's position. */
function pageOf<T>(rows: T[], first: number, after: string | null | undefined) {
  const start = after ? Number(after) + 1 : 0;
  const edges = rows.slice(start, start + first).map((node, i) => ({ cursor: String(start + i), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: start + first < rows.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

export interface PolicyRecord {
  id: string;
  title: string;
  sharedWith: string[];
}

interface PoliciesContext {
  /** The verified claims of the caller's access token, or why there are none. */
  claims?: jose.JWTPayload;
  tokenError?: string;
}

export interface PoliciesSubgraph {
  url: string;
  policies: Map<string, PolicyRecord[]>;
  /** Every Authorization header the subgraph received, in order. */
  authorizations: Array<string | undefined>;
  /** The `sub` of every token it verified. */
  verifiedSubjects: string[];
  stop(): Promise<void>;
}

export async function startPoliciesSubgraph(options: {
  jwksUrl: string;
  issuer: string;
  audience: string;
}): Promise<PoliciesSubgraph> {
  const keySet = jose.createRemoteJWKSet(new URL(options.jwksUrl));
  const policies = new Map<string, PolicyRecord[]>();
  const authorizations: Array<string | undefined> = [];
  const verifiedSubjects: string[] = [];

  const ownPolicies = (user: { id: string }, ctx: PoliciesContext) => {
    if (!ctx.claims) {
      throw new GraphQLError(`Authentication required: ${ctx.tokenError}`, {
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
    if (ctx.claims.sub !== user.id) {
      throw new GraphQLError("Only the user may read their policies.", {
        extensions: { code: "FORBIDDEN" },
      });
    }
    return policies.get(user.id) ?? [];
  };

  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(POLICIES_SDL),
      resolvers: {
        User: {
          __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
          policies: (user: { id: string }, _args: unknown, ctx: PoliciesContext) => ownPolicies(user, ctx),
          policyPage: (user: { id: string }, args: { first: number; after?: string }, ctx: PoliciesContext) =>
            pageOf(ownPolicies(user, ctx), args.first, args.after),
        },
        Policy: {
          sharedWith: (policy: PolicyRecord) => policy.sharedWith.map((id) => ({ id })),
        },
      } as never,
    },
  ]);

  const server = new ApolloServer<PoliciesContext>({ schema, logger: silentLogger });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: "127.0.0.1" },
    context: async ({ req }) => {
      const authorization = req.headers.authorization;
      authorizations.push(authorization);
      const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
      if (!token) return { tokenError: "no bearer token" };
      try {
        const { payload } = await jose.jwtVerify(token, keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ["RS256", "ES256"],
        });
        if (payload.typ !== "access") return { tokenError: "not an access token" };
        verifiedSubjects.push(String(payload.sub));
        return { claims: payload };
      } catch (error) {
        return { tokenError: (error as Error).name };
      }
    },
  });
  return {
    url,
    policies,
    authorizations,
    verifiedSubjects,
    stop: () => server.stop(),
  };
}
