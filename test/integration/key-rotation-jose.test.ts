import { createRemoteJWKSet, jwtVerify } from "jose";
import { MeDocument } from "../generated/graphql";
import { login, registerUser } from "../support/factories";
import { rsaKeyPair } from "../support/keys";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { testServers, type TestServer } from "../support/test-server";

/**
 * A key rotation as another service sees it: `jose`'s createRemoteJWKSet verifies our tokens
 * through the JWKS, fetching the set once and keeping it. One address (a proxy, as a load
 * balancer) stands in front of the gateway while its processes are replaced.
 *
 * The two-step rotation: (1) publish the next key (JWT_NEXT_PUBLIC_KEYS) while the current one
 * still signs, wait for verifiers to fetch it; (2) sign with it, keeping the old public key in
 * JWT_PREVIOUS_PUBLIC_KEYS. A set fetched between the steps verifies every token after step 2
 * without fetching again. Without step 1 it cannot, until its cooldown lets it refetch.
 */

const oldKey = rsaKeyPair();
const newKey = rsaKeyPair();
const JWKS_PATH = "/.well-known/jwks.json";

const servers = testServers();
let proxy: TcpProxy;
const gateway = (env: Record<string, string>) => servers.start({ JWT_ALGORITHM: "RS256", ...env });
const address = (server: TestServer) => ({ host: "127.0.0.1", port: Number(new URL(server.url).port) });
const jwksFetches = () =>
  servers.started.reduce((count, s) => count + s.logs.filter((line) => line.path === JWKS_PATH).length, 0);

/** What a resource server does with a bearer token. */
const verify = (keys: ReturnType<typeof createRemoteJWKSet>, token: string) =>
  jwtVerify(token, keys, { issuer: "aegis-identity-gateway", audience: "aegis", algorithms: ["RS256"] });

let step1: TestServer;
beforeAll(async () => {
  step1 = await gateway({ JWT_PRIVATE_KEY: oldKey.privateKey, JWT_NEXT_PUBLIC_KEYS: newKey.publicKey });
  proxy = await startTcpProxy(address(step1));
});
afterAll(() => proxy?.close());

it("step 1 publishes the next key after the current one; the current one still signs", async () => {
  const jwks = (await (await fetch(`${step1.url}${JWKS_PATH}`)).json()) as { keys: Array<{ kid: string }> };
  const alice = await registerUser(step1.client);
  const signingKid = JSON.parse(Buffer.from(alice.accessToken.split(".")[0]!, "base64url").toString()).kid;
  expect(jwks.keys).toHaveLength(2);
  expect(jwks.keys[0]!.kid).toBe(signingKid);
});

it("a key set fetched after step 1 keeps verifying through step 2 without fetching again", async () => {
  const keys = createRemoteJWKSet(new URL(`${proxy.url("http")}${JWKS_PATH}`));
  const alice = await registerUser(step1.client);
  const before = jwksFetches();
  await expect(verify(keys, alice.accessToken)).resolves.toMatchObject({ payload: { sub: alice.user.id } });
  expect(jwksFetches()).toBe(before + 1);

  // Step 2, deployed behind the same address: the new key signs, the old one only verifies.
  const step2 = await gateway({
    JWT_PRIVATE_KEY: newKey.privateKey,
    JWT_PREVIOUS_PUBLIC_KEYS: oldKey.publicKey,
  });
  proxy.retarget(address(step2));
  const rotated = await login(step2.client, alice.user.email);
  expect(rotated.accessToken.split(".")[0]).not.toBe(alice.accessToken.split(".")[0]);

  await expect(verify(keys, rotated.accessToken)).resolves.toMatchObject({ payload: { sub: alice.user.id } });
  await expect(verify(keys, alice.accessToken)).resolves.toMatchObject({ payload: { sub: alice.user.id } });
  expect(jwksFetches()).toBe(before + 1);

  // During the rolling deploy both run: each accepts what the other signed.
  expect((await step1.client.request(MeDocument, {}, { token: rotated.accessToken })).data?.me?.id).toBe(
    alice.user.id,
  );
  expect((await step2.client.request(MeDocument, {}, { token: alice.accessToken })).data?.me?.id).toBe(
    alice.user.id,
  );
});

it("without step 1, the same verifier rejects the new key's tokens (what the next key prevents)", async () => {
  const unannounced = rsaKeyPair();
  proxy.retarget(address(step1));
  const keys = createRemoteJWKSet(new URL(`${proxy.url("http")}${JWKS_PATH}`));
  const alice = await registerUser(step1.client);
  await verify(keys, alice.accessToken);

  const oneStep = await gateway({
    JWT_PRIVATE_KEY: unannounced.privateKey,
    JWT_PREVIOUS_PUBLIC_KEYS: oldKey.publicKey,
  });
  proxy.retarget(address(oneStep));
  const rotated = await login(oneStep.client, alice.user.email);
  await expect(verify(keys, rotated.accessToken)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
});
