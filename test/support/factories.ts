import { randomBytes, randomUUID } from "node:crypto";
import { op } from "./operations";
import type { GraphQLClient } from "./graphql-client";
import type { TestServer } from "./test-server";

export const PASSWORD = "Str0ng!Passw0rd";

export function uniqueEmail(label = "user"): string {
  return `${label}.${Date.now()}.${randomBytes(4).toString("hex")}@example.com`;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; role: string; [field: string]: unknown };
}

/** Registers a new user through the API and returns its signed-in session. */
export async function registerUser(
  client: GraphQLClient,
  input: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Session & { password: string }> {
  const variables = {
    input: { email: uniqueEmail(), password: PASSWORD, name: "Test User", ...input },
  };
  const response = await client.request(op("Register"), variables, { headers });
  if (response.errors) throw new Error(`register failed: ${JSON.stringify(response.errors)}`);
  return { ...response.data!.register, password: variables.input.password as string };
}

export async function login(
  client: GraphQLClient,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<Session> {
  const response = await client.request(op("Login"), { input: { email, password } }, { headers });
  if (response.errors) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data!.login;
}

/** A fresh id that names no user. */
export function missingId(): string {
  return randomUUID();
}

/**
 * A signed-in, active ADMIN, made the way `npm run admin:create` makes one (the bootstrap service
 * of the server's own container), then logged in over HTTP.
 */
export async function createAdmin(server: TestServer): Promise<Session & { password: string }> {
  const email = uniqueEmail("admin");
  await server.container.services.adminBootstrap.ensureAdmin(
    { email, password: PASSWORD, name: "Test Admin" },
    { requestId: "test-setup" },
  );
  return { ...(await login(server.client, email)), password: PASSWORD };
}

/**
 * A signed-in user with `role`: registered over HTTP and, unless USER, given the role by `admin`
 * with setUserRole (which ends their sessions), then logged in again.
 */
export async function createUserWithRole(
  server: TestServer,
  role: "USER" | "MODERATOR" | "ADMIN",
  admin: { accessToken: string },
  input: Record<string, unknown> = {},
): Promise<Session & { password: string }> {
  const user = await registerUser(server.client, { email: uniqueEmail(role.toLowerCase()), ...input });
  if (role === "USER") return user;
  const response = await server.client.request(
    op("SetUserRole"),
    { userId: user.user.id, role },
    { token: admin.accessToken },
  );
  if (response.errors) throw new Error(`setUserRole failed: ${JSON.stringify(response.errors)}`);
  return { ...(await login(server.client, user.user.email)), password: user.password };
}
