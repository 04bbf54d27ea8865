import { createHmac, createPrivateKey, createPublicKey } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as jose from "jose";
import jwt from "jsonwebtoken";
import { MeDocument } from "../generated/graphql";
import { login, registerUser, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { ecKeyPair, rsaKeyPair } from "../support/keys";
import { op } from "../support/operations";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../support/test-server";

const JWKS_PATH = "/.well-known/jwks.json";
const key1 = rsaKeyPair();
const key2 = rsaKeyPair();
const ecKey = ecKeyPair();
const attacker = rsaKeyPair();

/** Signs with key 1. */
let first: TestServer;
/** Signs with key 2 and still verifies key 1: the deployment after a rotation. */
let rotated: TestServer;
/** Signs with key 2 and has forgotten key 1: after the overlap ended. */
let forgotten: TestServer;
let session: Session;

beforeAll(async () => {
  [first, rotated, forgotten] = await Promise.all([
    startTestServer({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEY: key1.privateKey }),
    startTestServer({
      JWT_ALGORITHM: "RS256",
      JWT_PRIVATE_KEY: key2.privateKey,
      JWT_PREVIOUS_PUBLIC_KEYS: key1.publicKey,
    }),
    startTestServer({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEY: key2.privateKey }),
  ]);
  session = await registerUser(first.client);
});
afterAll(() => Promise.all([first, rotated, forgotten].map((s) => s?.stop())));

const me = (server: TestServer, token: string) => server.client.request(MeDocument, {}, { token });

async function jwksOf(server: TestServer) {
  const response = await fetch(`${server.url}${JWKS_PATH}`);
  return { response, body: (await response.json()) as { keys: Array<Record<string, string>> } };
}

/** The RFC 7638 thumbprint as an independent implementation (jose) computes it. */
async function thumbprintOf(publicPem: string) {
  return jose.calculateJwkThumbprint(await jose.exportJWK(createPublicKey(publicPem)));
}

function headerOf(token: string): jwt.JwtHeader & Record<string, unknown> {
  return (jwt.decode(token, { complete: true }) as jwt.Jwt).header as jwt.JwtHeader & Record<string, unknown>;
}

function claimsOf(token: string): jwt.JwtPayload {
  return jwt.decode(token) as jwt.JwtPayload;
}

function expectInvalid(response: Awaited<ReturnType<typeof me>>) {
  expect(response.data ?? null).toBeNull();
  expect(errorOf(response)).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
}

describe("asymmetric signing and the JWKS", () => {
  it("signs RS256 with a kid that is the RFC 7638 thumbprint of the public key", async () => {
    const header = headerOf(session.accessToken);
    expect(header).toMatchObject({ alg: "RS256", typ: "JWT" });
    expect(header.kid).toBe(await thumbprintOf(key1.publicKey));
    expect(headerOf(session.refreshToken).kid).toBe(header.kid);
    expect((await me(first, session.accessToken)).data?.me.id).toBe(session.user.id);
  });

  it("publishes the public key, and nothing private, at /.well-known/jwks.json", async () => {
    const { response, body } = await jwksOf(first);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const publicJwk = createPublicKey(key1.publicKey).export({ format: "jwk" });
    expect(body.keys).toEqual([
      {
        kty: "RSA",
        n: publicJwk.n,
        e: publicJwk.e,
        kid: await thumbprintOf(key1.publicKey),
        alg: "RS256",
        use: "sig",
      },
    ]);
    const privateJwk = createPrivateKey(key1.privateKey).export({ format: "jwk" });
    const raw = JSON.stringify(body);
    for (const member of ["d", "p", "q", "dp", "dq", "qi"] as const) {
      expect(raw).not.toContain(privateJwk[member]);
    }
  });

  it("issues tokens another service verifies through the JWKS alone (jose)", async () => {
    const keySet = jose.createRemoteJWKSet(new URL(`${first.url}${JWKS_PATH}`));
    const { payload, protectedHeader } = await jose.jwtVerify(session.accessToken, keySet, {
      issuer: "aegis-identity-gateway",
      audience: "aegis",
      algorithms: ["RS256", "ES256"],
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload).toMatchObject({ sub: session.user.id, typ: "access", email: session.user.email });
  });

  it("signs ES256 with a P-256 key, verifiable through its JWKS", async () => {
    const server = await startTestServer({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: ecKey.privateKey });
    try {
      const user = await registerUser(server.client);
      expect(headerOf(user.accessToken)).toMatchObject({
        alg: "ES256",
        kid: await thumbprintOf(ecKey.publicKey),
      });
      const { body } = await jwksOf(server);
      expect(body.keys).toEqual([
        expect.objectContaining({
          kty: "EC",
          crv: "P-256",
          alg: "ES256",
          use: "sig",
          kid: headerOf(user.accessToken).kid,
        }),
      ]);
      expect(body.keys[0]).not.toHaveProperty("d");
      const keySet = jose.createRemoteJWKSet(new URL(`${server.url}${JWKS_PATH}`));
      await expect(jose.jwtVerify(user.accessToken, keySet, { audience: "aegis" })).resolves.toBeDefined();
      expect((await me(server, user.accessToken)).data?.me.email).toBe(user.user.email);
    } finally {
      await server.stop();
    }
  });

  it("publishes an empty key set with HS256: the shared secret is never published", async () => {
    const server = await startTestServer();
    try {
      const { response, body } = await jwksOf(server);
      expect(response.status).toBe(200);
      expect(body).toEqual({ keys: [] });
    } finally {
      await server.stop();
    }
  });
});

describe("key rotation", () => {
  it("publishes the new key first and the previous key after it", async () => {
    const { body } = await jwksOf(rotated);
    expect(body.keys.map((k) => k.kid)).toEqual([
      await thumbprintOf(key2.publicKey),
      await thumbprintOf(key1.publicKey),
    ]);
  });

  it("keeps accepting tokens of the previous key while signing new ones with the new key", async () => {
    expect((await me(rotated, session.accessToken)).data?.me.id).toBe(session.user.id);

    const renewed = await rotated.client.request(op("RefreshToken"), { refreshToken: session.refreshToken });
    const pair = renewed.data!.refreshToken as Session;
    expect(headerOf(pair.accessToken).kid).toBe(await thumbprintOf(key2.publicKey));
    expect(headerOf(pair.refreshToken).kid).toBe(await thumbprintOf(key2.publicKey));
    expect((await me(rotated, pair.accessToken)).data?.me.id).toBe(session.user.id);
    // The old deployment never heard of key 2.
    expectInvalid(await me(first, pair.accessToken));
    session = { ...session, ...pair };
  });

  it("refuses the previous key's tokens once it is removed", async () => {
    const user = await registerUser(first.client);
    expect((await me(rotated, user.accessToken)).data?.me.id).toBe(user.user.id);
    expectInvalid(await me(forgotten, user.accessToken));
  });
});

describe("moving between HS256 and RS256 without logging anyone out", () => {
  it("keeps verifying HS256 tokens with JWT_SECRET_KEY after the switch to RS256, never publishing it", async () => {
    const [hs256, switched] = await Promise.all([
      startTestServer(),
      startTestServer({
        JWT_ALGORITHM: "RS256",
        JWT_PRIVATE_KEY: key1.privateKey,
        JWT_SECRET_KEY: TEST_JWT_SECRET,
      }),
    ]);
    try {
      const user = await registerUser(hs256.client);
      expect(headerOf(user.accessToken).alg).toBe("HS256");
      expect((await me(switched, user.accessToken)).data?.me.id).toBe(user.user.id);
      const renewed = await switched.client.request(op("RefreshToken"), { refreshToken: user.refreshToken });
      expect(headerOf(renewed.data!.refreshToken.accessToken).alg).toBe("RS256");
      const { body } = await jwksOf(switched);
      expect(body.keys.map((k) => k.kty)).toEqual(["RSA"]);
      expect(JSON.stringify(body)).not.toContain(TEST_JWT_SECRET);
    } finally {
      await Promise.all([hs256.stop(), switched.stop()]);
    }
  });

  it("keeps verifying RS256 tokens with JWT_PREVIOUS_PUBLIC_KEYS after a switch back to HS256", async () => {
    const back = await startTestServer({ JWT_PREVIOUS_PUBLIC_KEYS: key1.publicKey });
    try {
      const user = await registerUser(first.client);
      expect((await me(back, user.accessToken)).data?.me.id).toBe(user.user.id);
      const { body } = await jwksOf(back);
      expect(body.keys.map((k) => k.kid)).toEqual([await thumbprintOf(key1.publicKey)]);
    } finally {
      await back.stop();
    }
  });
});

describe("moving from HS256 to RS256 in two steps", () => {
  it("publishes the RS256 key with JWT_NEXT_PUBLIC_KEYS while HS256 still signs, and accepts its tokens", async () => {
    const hs256 = await startTestServer({ JWT_NEXT_PUBLIC_KEYS: key1.publicKey });
    const rs256 = await startTestServer({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEY: key1.privateKey });
    try {
      const { body } = await jwksOf(hs256);
      expect(body.keys.map((k) => k.kid)).toEqual([await thumbprintOf(key1.publicKey)]);
      const user = await registerUser(hs256.client);
      expect(headerOf(user.accessToken).alg).toBe("HS256");
      // A process already switched signs RS256; one still on step 1 accepts that token.
      const switched = await login(rs256.client, user.user.email);
      expect((await me(hs256, switched.accessToken)).data?.me.id).toBe(user.user.id);
    } finally {
      await Promise.all([hs256.stop(), rs256.stop()]);
    }
  });
});

describe("verification uses only our own keys, by kid", () => {
  let user: Session;
  let claims: jwt.JwtPayload;
  let kid1: string;
  let attackerServer: Server;
  let attackerUrl: string;
  let attackerHits = 0;

  beforeAll(async () => {
    user = await registerUser(first.client);
    claims = claimsOf(user.accessToken);
    kid1 = String(headerOf(user.accessToken).kid);
    const attackerJwk = {
      ...(await jose.exportJWK(createPublicKey(attacker.publicKey))),
      kid: "attacker",
      alg: "RS256",
      use: "sig",
    };
    // A key server the attacker controls: the gateway must never ask it anything.
    attackerServer = createServer((_req, res) => {
      attackerHits += 1;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [attackerJwk] }));
    });
    await new Promise<void>((resolve) => attackerServer.listen(0, "127.0.0.1", resolve));
    attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => attackerServer.close(resolve)));

  const sign = (key: string, header: Record<string, unknown>, algorithm: jwt.Algorithm = "RS256") =>
    jwt.sign(claims, key, { algorithm, header: { alg: algorithm, ...header } as jwt.JwtHeader });

  it("accepts the genuine token (the baseline for the cases below)", async () => {
    expect((await me(first, user.accessToken)).data?.me.id).toBe(user.user.id);
    expect((await me(first, sign(key1.privateKey, { kid: kid1 }))).data?.me.id).toBe(user.user.id);
  });

  it("refuses a token whose kid is unknown or missing", async () => {
    expectInvalid(await me(first, sign(key1.privateKey, { kid: "no-such-key" })));
    expectInvalid(await me(first, jwt.sign(claims, key1.privateKey, { algorithm: "RS256" })));
  });

  it("refuses a token signed by another key under our kid", async () => {
    expectInvalid(await me(first, sign(attacker.privateKey, { kid: kid1 })));
    // key 2 exists in the rotated ring, but a token naming key 1 is checked with key 1 only
    expectInvalid(await me(rotated, sign(key2.privateKey, { kid: kid1 })));
  });

  it("refuses a token whose algorithm is not its key's", async () => {
    // The classic confusion: HS256 with the RSA public key, which anyone has, as the secret.
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
    const unsigned = `${encode({ alg: "HS256", typ: "JWT", kid: kid1 })}.${encode(claims)}`;
    const mac = createHmac("sha256", key1.publicKey).update(unsigned).digest("base64url");
    expectInvalid(await me(first, `${unsigned}.${mac}`));
    // The right key with another RSA algorithm.
    expectInvalid(await me(first, sign(key1.privateKey, { kid: kid1 }, "RS512")));
    expectInvalid(await me(first, sign(key1.privateKey, { kid: kid1 }, "PS256")));
    // An EC key under the RSA key's kid.
    expectInvalid(await me(first, sign(ecKey.privateKey, { kid: kid1 }, "ES256")));
  });

  it("never follows jku or x5u, and ignores a key embedded in the token", async () => {
    const attackerJwk = await jose.exportJWK(createPublicKey(attacker.publicKey));
    const forged = [
      sign(attacker.privateKey, { kid: "attacker", jku: attackerUrl }),
      sign(attacker.privateKey, { kid: kid1, jku: attackerUrl }),
      sign(attacker.privateKey, { kid: "attacker", x5u: attackerUrl }),
      sign(attacker.privateKey, { kid: "attacker", jwk: attackerJwk }),
      sign(attacker.privateKey, { kid: kid1, jwk: attackerJwk }),
      sign(attacker.privateKey, { jwk: attackerJwk }),
    ];
    for (const token of forged) expectInvalid(await me(first, token));
    expect(attackerHits).toBe(0);
  });

  it("refuses even a genuinely signed token that carries key-locating headers", async () => {
    expectInvalid(await me(first, sign(key1.privateKey, { kid: kid1, jku: attackerUrl })));
    expectInvalid(await me(first, sign(key1.privateKey, { kid: kid1, crit: ["exp"] })));
    expect(attackerHits).toBe(0);
  });
});
