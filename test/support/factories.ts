import { randomBytes } from "node:crypto";
import { op } from "./operations";
import type { GraphQLClient } from "./graphql-client";

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
