import { createAdmin, PASSWORD, registerUser } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { linkNotifications, RESET_EVENT, resetToken } from "../support/recovery";
import { startTestServer, type TestServer } from "../support/test-server";

/** Refresh tokens and one-time links that would otherwise hand an account to someone else. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ REFRESH_TOKEN_REUSE_GRACE_SECONDS: "60" });
});
afterAll(() => server.stop());

const refresh = (token: string, userAgent: string) =>
  server.client.request(
    op("RefreshToken"),
    { refreshToken: token },
    { headers: { "user-agent": userAgent } },
  );
const resetWith = (token: string, newPassword = "N3w!Passw0rd") =>
  server.client.request(op("ResetPassword"), { token, newPassword });

describe("the refresh grace window", () => {
  it("serves the new pair again only to the client that rotated; from another it is reuse", async () => {
    const session = await registerUser(server.client);
    const rotated = await refresh(session.refreshToken, "owner-browser/1.0");
    expect(rotated.errors).toBeUndefined();
    // The same client, a second tab: the same pair.
    const again = await refresh(session.refreshToken, "owner-browser/1.0");
    expect(again.data?.refreshToken.refreshToken).toBe(rotated.data?.refreshToken.refreshToken);
    // A thief replaying the old token from elsewhere inside the window gets nothing, and the
    // session ends.
    const stolen = await refresh(session.refreshToken, "thief/6.6");
    expect(errorOf(stolen).code).toBe("TOKEN_INVALID");
    expect(errorOf(await refresh(rotated.data!.refreshToken.refreshToken, "owner-browser/1.0")).code).toBe(
      "SESSION_NOT_FOUND",
    );
  });
});

describe("refreshToken after erasure", () => {
  it("answers SESSION_NOT_FOUND, as for any revoked session", async () => {
    const session = await registerUser(server.client);
    const admin = await createAdmin(server);
    expect(
      (
        await server.client.request(
          op("DeleteUser"),
          { userId: session.user.id },
          { token: admin.accessToken },
        )
      ).errors,
    ).toBeUndefined();
    expect(errorOf(await refresh(session.refreshToken, "x"))).toMatchObject({ code: "SESSION_NOT_FOUND" });
  });
});

describe("reset links", () => {
  it("stop working once the password is changed", async () => {
    const session = await registerUser(server.client);
    const token = await resetToken(server, session.user);
    const changed = await server.client.request(
      op("ChangePassword"),
      { input: { currentPassword: PASSWORD, newPassword: "Ch4nged!Passw0rd" } },
      { token: session.accessToken },
    );
    expect(changed.errors).toBeUndefined();
    expect(errorOf(await resetWith(token)).code).toBe("RESET_TOKEN_INVALID");
  });

  it("one live at a time: of concurrent requests only one link resets, and only once", async () => {
    const session = await registerUser(server.client);
    await Promise.all(
      Array.from({ length: 5 }, () =>
        server.client.request(op("RequestPasswordReset"), { email: session.user.email }),
      ),
    );
    const links = await linkNotifications(server, session.user.id, RESET_EVENT);
    expect(links).toHaveLength(5);
    expect(
      await server.container.db.accountToken.count({
        where: { userId: session.user.id, purpose: "PASSWORD_RESET" },
      }),
    ).toBe(1);
    const outcomes = [];
    for (const link of links) outcomes.push((await resetWith(link.token)).errors ? "refused" : "reset");
    expect(outcomes.filter((o) => o === "reset")).toHaveLength(1);
  });
});
