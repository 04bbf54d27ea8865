import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "../../src/config";
import { ecKeyPair, rsaKeyPair } from "../support/keys";
import { testEnv } from "../support/test-server";

const root = path.join(__dirname, "..", "..");
const rsa = rsaKeyPair();
const ec = ecKeyPair();

/** The environment of an asymmetric deployment, without the HS256 secret the test default sets. */
function env(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = testEnv({ JWT_ALGORITHM: "RS256" });
  delete base.JWT_SECRET_KEY;
  return { ...base, ...overrides };
}

function problemsOf(source: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("signing key configuration", () => {
  it("reads the private key from JWT_PRIVATE_KEY, with real or escaped line breaks", () => {
    const config = loadConfig(env({ JWT_PRIVATE_KEY: rsa.privateKey }));
    expect(config.jwt).toMatchObject({ algorithm: "RS256", secret: undefined, previousPublicKeys: [] });
    expect(config.jwt.privateKey?.asymmetricKeyType).toBe("rsa");
    expect(config.generatedJwtSecret).toBe(false);
    const escaped = loadConfig(env({ JWT_PRIVATE_KEY: rsa.privateKey.replace(/\n/g, "\\n") }));
    expect(escaped.jwt.privateKey?.equals(config.jwt.privateKey!)).toBe(true);
  });

  it("reads the private key from JWT_PRIVATE_KEY_FILE", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "jwt-key-")), "es256.pem");
    writeFileSync(file, ec.privateKey, { mode: 0o600 });
    const config = loadConfig(env({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY_FILE: file }));
    expect(config.jwt.privateKey?.asymmetricKeyType).toBe("ec");
    expect(problemsOf(env({ JWT_PRIVATE_KEY_FILE: "/nonexistent/key.pem" }))).toEqual([
      "JWT_PRIVATE_KEY_FILE: cannot read /nonexistent/key.pem (ENOENT)",
    ]);
  });

  it("reads several previous public keys from JWT_PREVIOUS_PUBLIC_KEYS", () => {
    const other = rsaKeyPair();
    const config = loadConfig(
      env({
        JWT_PRIVATE_KEY: rsa.privateKey,
        JWT_PREVIOUS_PUBLIC_KEYS: `${other.publicKey}\n${ec.publicKey}`,
      }),
    );
    expect(config.jwt.previousPublicKeys.map((k) => k.asymmetricKeyType)).toEqual(["rsa", "ec"]);
  });

  it("reads the next key from JWT_NEXT_PUBLIC_KEYS, with the same checks", () => {
    const next = rsaKeyPair();
    const config = loadConfig(env({ JWT_PRIVATE_KEY: rsa.privateKey, JWT_NEXT_PUBLIC_KEYS: next.publicKey }));
    expect(config.jwt.nextPublicKeys.map((k) => k.asymmetricKeyType)).toEqual(["rsa"]);
    expect(
      problemsOf(env({ JWT_PRIVATE_KEY: rsa.privateKey, JWT_NEXT_PUBLIC_KEYS: next.privateKey })),
    ).toEqual(["JWT_NEXT_PUBLIC_KEYS: key 1 is a private key; give only public keys here"]);
    expect(
      problemsOf(env({ JWT_PRIVATE_KEY: rsa.privateKey, JWT_NEXT_PUBLIC_KEYS: rsaKeyPair(1024).publicKey })),
    ).toEqual(["JWT_NEXT_PUBLIC_KEYS: key 1: an RSA key needs at least 2048 bits, this one has 1024"]);
  });

  it("refuses keys that do not fit, one line per problem", () => {
    expect(problemsOf(env({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: rsa.privateKey }))).toEqual([
      "JWT_PRIVATE_KEY: this key signs RS256, but JWT_ALGORITHM is ES256",
    ]);
    expect(problemsOf(env({ JWT_PRIVATE_KEY: rsaKeyPair(1024).privateKey }))).toEqual([
      "JWT_PRIVATE_KEY: an RSA key needs at least 2048 bits, this one has 1024",
    ]);
    expect(
      problemsOf(env({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: ecKeyPair("P-384").privateKey })),
    ).toEqual(["JWT_PRIVATE_KEY: an EC key must be on P-256 for ES256, this one is on secp384r1"]);
    expect(problemsOf(env({ JWT_PRIVATE_KEY: rsa.publicKey }))).toEqual([
      "JWT_PRIVATE_KEY: not an unencrypted PEM private key",
    ]);
    expect(problemsOf(env({ JWT_PRIVATE_KEY: rsa.privateKey, JWT_PRIVATE_KEY_FILE: "/x.pem" }))).toEqual([
      "JWT_PRIVATE_KEY_FILE: set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both",
    ]);
    expect(
      problemsOf(
        env({ JWT_ALGORITHM: "HS256", JWT_SECRET_KEY: "x".repeat(32), JWT_PRIVATE_KEY: rsa.privateKey }),
      ),
    ).toEqual(["JWT_PRIVATE_KEY: only used when JWT_ALGORITHM is RS256 or ES256 (it is HS256)"]);
    expect(
      problemsOf(
        env({
          JWT_PRIVATE_KEY: rsa.privateKey,
          JWT_PREVIOUS_PUBLIC_KEYS: `${ec.publicKey}${rsa.privateKey}`,
        }),
      ),
    ).toEqual(["JWT_PREVIOUS_PUBLIC_KEYS: key 2 is a private key; give only public keys here"]);
    expect(
      problemsOf(env({ JWT_PRIVATE_KEY: rsa.privateKey, JWT_PREVIOUS_PUBLIC_KEYS: "not a key" })),
    ).toEqual(["JWT_PREVIOUS_PUBLIC_KEYS: no PEM public key found"]);
    expect(problemsOf(env({ JWT_ALGORITHM: "RS512" }))[0]).toMatch(/^JWT_ALGORITHM: /);
  });

  it("makes a missing key or secret a start-up error in production", () => {
    expect(problemsOf(env({ NODE_ENV: "production" }))).toEqual([
      "JWT_PRIVATE_KEY: required in production when JWT_ALGORITHM is RS256 (or JWT_PRIVATE_KEY_FILE)",
    ]);
    expect(problemsOf(env({ NODE_ENV: "production", JWT_ALGORITHM: "ES256" }))).toEqual([
      "JWT_PRIVATE_KEY: required in production when JWT_ALGORITHM is ES256 (or JWT_PRIVATE_KEY_FILE)",
    ]);
    expect(problemsOf(env({ NODE_ENV: "production", JWT_ALGORITHM: "HS256" }))).toEqual([
      "JWT_SECRET_KEY: required in production",
    ]);
    expect(problemsOf(env({ NODE_ENV: "production", JWT_PRIVATE_KEY: rsa.privateKey }))).toEqual([]);
  });

  it("generates a key outside production", () => {
    for (const [algorithm, type] of [
      ["RS256", "rsa"],
      ["ES256", "ec"],
    ] as const) {
      const config = loadConfig(env({ JWT_ALGORITHM: algorithm, NODE_ENV: "development" }));
      expect(config.generatedJwtSecret).toBe(true);
      expect(config.jwt.privateKey?.asymmetricKeyType).toBe(type);
    }
  });

  it("warns at start-up when it runs on a generated key, and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(root, "src", "main.ts")],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          ...env({
            NODE_ENV: "development",
            PORT: "0",
            HOST: "127.0.0.1",
            LOG_LEVEL: "info",
            LOG_FORMAT: "json",
          }),
        },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let output = "";
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk) => {
          output += chunk;
          if (output.includes("identity gateway ready")) resolve();
        });
        child.stderr.on("data", (chunk) => (output += chunk));
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
    } finally {
      child.kill("SIGTERM");
    }
    // and SIGTERM shuts it down cleanly (Apollo's own signal handlers are off)
    expect(await exited).toBe(0);
    const warning = output
      .split("\n")
      // JSON log lines; the development start-up block is plain text.
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line))
      .find((line) => line.level === 40);
    expect(warning?.msg).toBe(
      "JWT_PRIVATE_KEY is not set: using a generated RS256 key; tokens and the JWKS change with every start",
    );
  });
});
