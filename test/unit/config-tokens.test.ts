// Token lifetimes as an operator writes them.
import { ConfigError, loadConfig } from "../../src/config";

const base = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x" };
const accessTtl = (value?: string) =>
  loadConfig({ ...base, ...(value !== undefined && { JWT_ACCESS_TOKEN_EXPIRE_MINUTES: value }) }).jwt
    .accessTtlSeconds;

it("reads the access token lifetime in minutes, 30 by default", () => {
  expect(accessTtl()).toBe(1800);
  expect(accessTtl("")).toBe(1800);
  expect(accessTtl("15")).toBe(900);
});

it("takes fractions of a minute down to one second (demos and browser tests)", () => {
  expect(accessTtl("0.1")).toBe(6);
  expect(accessTtl("0.5")).toBe(30);
  expect(accessTtl(String(1 / 60))).toBe(1);
  for (const bad of ["0", "0.01", "-1", "soon"]) {
    expect(() => accessTtl(bad)).toThrow(ConfigError);
  }
});
