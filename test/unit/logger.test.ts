import { Writable } from "node:stream";
import { createLogger } from "../../src/infra/logger";

function capture() {
  let text = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger("trace", sink), text: () => text };
}

const JWT =
  "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTEiLCJ0eXAiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu";
const HASH = "$2b$12$abcdefghijklmnopqrstuuVWXYZabcdefghijklmnopqrstuvwxyz12";

describe("logger", () => {
  it("redacts credentials by key, however they are nested", () => {
    const { logger, text } = capture();
    logger.trace({ password: "p1-Secret!", input: { password: "p2-Secret!", newPassword: "p3-Secret!" } });
    logger.debug({ variables: { input: { currentPassword: "p4-Secret!" }, refreshToken: "r-tok" } });
    logger.info({ req: { headers: { authorization: "Basic dXNlcjpwYXNz", cookie: "sid=abc" } } });
    logger.warn({ user: { passwordHash: "h-1", accessToken: "a-tok" }, secret: "s-1" });
    for (const secret of [
      "p1-Secret!",
      "p2-Secret!",
      "p3-Secret!",
      "p4-Secret!",
      "r-tok",
      "dXNlcjpwYXNz",
      "sid=abc",
      "h-1",
      "a-tok",
      "s-1",
    ]) {
      expect(text()).not.toContain(secret);
    }
    expect(text().match(/\[REDACTED\]/g)).toHaveLength(10);
  });

  it("scrubs tokens, bcrypt hashes and bearer credentials from messages and errors", () => {
    const { logger, text } = capture();
    logger.error({ err: new Error(`refresh failed for ${JWT}`) }, "unexpected error");
    logger.error(`hash mismatch: ${HASH}`);
    logger.info("header was Bearer abc.def-ghi");
    expect(text()).not.toContain(JWT.split(".")[2]);
    expect(text()).not.toContain(HASH);
    expect(text()).not.toContain("abc.def-ghi");
    expect(text()).toContain("refresh failed for [REDACTED]");
  });
});
