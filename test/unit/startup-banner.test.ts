import { loadConfig } from "../../src/config";
import { startupBanner } from "../../src/server/startup.banner";

// The block a developer reads at start-up: what runs where, which development defaults are in
// use, and the first-admin hint while there is no admin.
const banner = (env: Record<string, string>, adminExists = false) =>
  startupBanner(loadConfig({ ENV_FILE: "none", ...env }), 4000, { adminExists });

describe("the start-up banner", () => {
  it("offers the first-admin command, with the password asked for, only while no admin exists", () => {
    const fresh = banner({});
    expect(fresh).toContain("No admin yet.");
    expect(fresh).toContain("npm run admin:create -- --email admin@example.com --password-stdin");
    expect(fresh).not.toMatch(/--password '/);
    expect(banner({}, true)).not.toContain("admin:create");
  });

  it("says which development defaults are in use", () => {
    const text = banner({});
    expect(text).toContain(
      "Listening   127.0.0.1 only: other machines cannot reach it (HOST=0.0.0.0 lets them)",
    );
    expect(text).toContain("Browsers    may call from http://localhost:3000 (CORS_ORIGINS)");
    expect(text).toContain("Rate limits relaxed for development: login 100/1m, register 100/1h per IP");
    expect(text).toContain("(production keeps 5/1m and 3/1h;");
  });

  it("does not claim what the environment overrode", () => {
    const text = banner({
      HOST: "0.0.0.0",
      RATE_LIMIT_LOGIN_PER_IP: "5/1m",
      RATE_LIMIT_REGISTER_PER_IP: "3/1h",
    });
    expect(text).not.toContain("Listening");
    expect(text).toContain("Rate limits relaxed for development: login 5/1m, register 3/1h per IP");
    expect(banner({ RATE_LIMIT_ENABLED: "false" })).not.toContain("Rate limits");
    expect(banner({ NODE_ENV: "test" })).not.toMatch(/Listening|Browsers|Rate limits/);
  });
});
