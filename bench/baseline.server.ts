import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

/**
 * The baseline: a bare Apollo Server 5 (its own standalone HTTP server) that answers `me` with a
 * constant user, with no authentication, no permission layer and no I/O. What `me` on the gateway
 * costs beyond this is what our stack adds.
 */

const typeDefs = `#graphql
  enum Role { USER MODERATOR ADMIN }
  type User {
    id: ID!
    email: String!
    name: String!
    phone: String
    role: Role!
    isActive: Boolean!
    isVerified: Boolean!
    businessType: String
    businessNumber: String
    industry: String
    region: String
    createdAt: String!
    updatedAt: String!
    lastLoginAt: String
  }
  type Query { me: User! }
`;

const now = new Date().toISOString();
const user = {
  id: "7d1f4b9e-2c55-4a8e-9a57-0c7f3c1e2b11",
  email: "bench.user@example.com",
  name: "Bench User",
  phone: null,
  role: "USER",
  isActive: true,
  isVerified: false,
  businessType: null,
  businessNumber: null,
  industry: null,
  region: null,
  createdAt: now,
  updatedAt: now,
  lastLoginAt: now,
};

async function main() {
  const server = new ApolloServer({ typeDefs, resolvers: { Query: { me: () => user } } });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.argv[2] ?? 0), host: "127.0.0.1" },
  });
  process.send?.({ url });
  process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
}

void main();
