import jwt from "jsonwebtoken";
import { errorOf } from "../support/graphql-client";
import { registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../support/test-server";

let server: TestServer;
let session: Awaited<ReturnType<typeof registerUser>>;
beforeAll(async () => {
  server = await startTestServer();
  session = await registerUser(server.client);
});
afterAll(() => server.stop());

const me = (token?: string) => server.client.request(op("Me"), {}, { token });
const refresh = (refreshToken: string) => server.client.request(op("RefreshToken"), { refreshToken });

/** Re-signs the claims of a real token with changes, the way an attacker with the secret would. */
function forge(token: string, changes: Record<string, unknown>, options: jwt.SignOptions = {}) {
  const { header, payload } = jwt.decode(token, { complete: true }) as jwt.Jwt;
  return jwt.sign({ ...(payload as object), ...changes }, TEST_JWT_SECRET, {
    algorithm: "HS256",
    keyid: header.kid,
    ...options,
  });
}

function unsigned(token: string): string {
  const [, payload] = token.split(".");
  const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  return `${header}.${payload}.`;
}

describe("access tokens", () => {
  it("carries sub, sid, role, email, iat, exp, iss, aud, jti and its type", () => {
    const { header, payload } = jwt.decode(session.accessToken, { complete: true }) as jwt.Jwt;
    expect(header).toMatchObject({ alg: "HS256", kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub: session.user.id,
      sid: expect.any(String),
      role: "USER",
      email: session.user.email,
      typ: "access",
      jti: expect.any(String),
      iss: "aegis-identity-gateway",
      aud: "aegis",
    });
    const { iat, exp } = payload as jwt.JwtPayload;
    expect(exp! - iat!).toBe(30 * 60);
  });

  it("answers me for a valid token, and UNAUTHENTICATED without one", async () => {
    expect((await me(session.accessToken)).data?.me.email).toBe(session.user.email);
    const anonymous = errorOf(await me());
    expect(anonymous.code).toBe("UNAUTHENTICATED");
  });

  it("accepts GET for queries", async () => {
    const response = await server.client.get(op("Me"), undefined, { token: session.accessToken });
    expect(response.data?.me.id).toBe(session.user.id);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => string, string]> = [
    ["expired", () => forge(session.accessToken, { iat: now() - 3600, exp: now() - 60 }), "TOKEN_EXPIRED"],
    ["tampered signature", () => session.accessToken.slice(0, -4) + "AAAA", "TOKEN_INVALID"],
    [
      "tampered payload",
      () => {
        const [h, , s] = session.accessToken.split(".");
        const p = Buffer.from(
          JSON.stringify({ ...(jwt.decode(session.accessToken) as object), role: "ADMIN" }),
        ).toString("base64url");
        return `${h}.${p}.${s}`;
      },
      "TOKEN_INVALID",
    ],
    ["alg none", () => unsigned(session.accessToken), "TOKEN_INVALID"],
    [
      "signed with another secret",
      () =>
        jwt.sign(jwt.decode(session.accessToken) as object, "another-secret-of-at-least-32-bytes!!", {
          algorithm: "HS256",
          keyid: (jwt.decode(session.accessToken, { complete: true }) as jwt.Jwt).header.kid,
        }),
      "TOKEN_INVALID",
    ],
    ["wrong issuer", () => forge(session.accessToken, { iss: "someone-else" }), "TOKEN_INVALID"],
    ["wrong audience", () => forge(session.accessToken, { aud: "another-service" }), "TOKEN_INVALID"],
    [
      "without exp",
      () => {
        const { exp: _exp, ...claims } = jwt.decode(session.accessToken) as jwt.JwtPayload;
        return jwt.sign(claims, TEST_JWT_SECRET, {
          algorithm: "HS256",
          keyid: (jwt.decode(session.accessToken, { complete: true }) as jwt.Jwt).header.kid,
        });
      },
      "TOKEN_INVALID",
    ],
    [
      "without kid",
      () => jwt.sign(jwt.decode(session.accessToken) as object, TEST_JWT_SECRET, { algorithm: "HS256" }),
      "TOKEN_INVALID",
    ],
    [
      "HS512 with the right secret",
      () => forge(session.accessToken, {}, { algorithm: "HS512" }),
      "TOKEN_INVALID",
    ],
    ["a refresh token", () => session.refreshToken, "TOKEN_INVALID"],
    ["garbage", () => "not.a.jwt", "TOKEN_INVALID"],
  ];

  it.each(cases)("refuses an access token that is %s", async (_name, make, reason) => {
    const error = errorOf(await me(make()));
    expect(error).toMatchObject({ code: "UNAUTHENTICATED", reason });
    expect(error.errorCode).toBe(reason === "TOKEN_EXPIRED" ? "USER_1005" : "USER_1006");
    expect(error.message).not.toMatch(/jwt|signature|jsonwebtoken/i);
  });

  it("refuses an Authorization header that is not a bearer token", async () => {
    const response = await server.client.request(
      op("Me"),
      {},
      {
        headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
      },
    );
    expect(errorOf(response)).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
  });
});

describe("refresh tokens", () => {
  it("refuses an access token presented as a refresh token", async () => {
    expect(errorOf(await refresh(session.accessToken))).toMatchObject({
      code: "TOKEN_INVALID",
      errorCode: "USER_1006",
    });
  });

  it("refuses an expired, forged or unsigned refresh token", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(errorOf(await refresh(forge(session.refreshToken, { exp: now - 1 }))).code).toBe("TOKEN_EXPIRED");
    expect(errorOf(await refresh(forge(session.refreshToken, { aud: "x" }))).code).toBe("TOKEN_INVALID");
    expect(errorOf(await refresh(unsigned(session.refreshToken))).code).toBe("TOKEN_INVALID");
    expect(errorOf(await refresh("garbage")).code).toBe("TOKEN_INVALID");
  });
});
