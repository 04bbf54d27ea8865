import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import util from "node:util";
import { buildSchema, graphql } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { allow, and, chain, deny, not, or, race, rule, shield } from "graphql-shield";

// The runtime the gateway is built for, and the dependencies that must work on it. A dependency
// that calls a Node helper this Node removed fails only when the line runs: graphql-shield 7.6.5
// (its last release) calls util.isUndefined in `race` and `chain`, which Node 23 removed, and
// every field behind those rules answered INTERNAL_SERVER_ERROR. patches/ holds the fix (applied
// by patch-package at install), with one for kafkajs; these tests fail if they are not applied,
// or if another dependency does the same.
const ROOT = path.join(__dirname, "..", "..");
const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
};

describe("runtime", () => {
  it("is the Node that package.json's engines names (CI runs every test on it)", () => {
    const required = Number(/^>=\s*(\d+)/.exec(packageJson.engines.node)?.[1]);
    expect(required).toBeGreaterThanOrEqual(24);
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(required);
  });

  it("is the Node that npm insists on and version managers pick", () => {
    // npm ci on an older Node stops with EBADENGINE instead of installing a gateway that breaks.
    expect(readFileSync(path.join(ROOT, ".npmrc"), "utf8")).toMatch(/^engine-strict=true$/m);
    const required = /^>=\s*(\d+)/.exec(packageJson.engines.node)?.[1];
    expect(readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim()).toBe(required);
  });
});

describe("graphql-shield on this Node", () => {
  const yes = rule({ cache: "no_cache" })(() => true);
  const no = rule({ cache: "no_cache" })(() => new Error("no"));
  const rules = {
    allow,
    deny,
    ruleTrue: yes,
    ruleFalse: no,
    andTrue: and(yes, allow),
    andFalse: and(yes, no),
    orTrue: or(no, yes),
    orFalse: or(no, deny),
    notTrue: not(no),
    notFalse: not(yes),
    chainTrue: chain(yes, allow),
    chainFalse: chain(yes, no),
    raceTrue: race(no, yes),
    raceFirst: race(yes, no),
    raceFalse: race(no, deny),
  };
  const fields = Object.keys(rules);
  const schema = applyMiddleware(
    buildSchema(`type Query { ${fields.map((field) => `${field}: Boolean`).join(" ")} }`),
    shield(
      { Query: rules },
      // A rule's refusal arrives as null (or its own error); anything else is a defect, shown as it is.
      {
        allowExternalErrors: false,
        fallbackError: (thrown) => (thrown as Error | null) ?? new Error("denied"),
      },
    ),
  );
  const rootValue = Object.fromEntries(fields.map((field) => [field, true]));

  it.each(fields)("evaluates %s", async (field) => {
    const result = await graphql({ schema, source: `{ ${field} }`, rootValue });
    const allowed = !/False$/.test(field) && field !== "deny";
    if (allowed) {
      expect({ field, errors: result.errors?.map((e) => e.message) }).toEqual({ field, errors: undefined });
      expect(result.data?.[field]).toBe(true);
    } else {
      // Refused by a rule ("no" or "denied"), never by a TypeError from inside graphql-shield.
      expect(result.data?.[field]).toBeNull();
      expect({ field, error: result.errors?.[0]?.message }).toEqual({
        field,
        error: expect.stringMatching(/^(no|denied)$/),
      });
    }
  });
});

describe("kafkajs on this Node", () => {
  // kafkajs 2.2.4 (its last release) re-armed a timer with a negative delay after every answer
  // from a broker, even with nothing queued: a check every millisecond, and on Node 24 a
  // TimeoutNegativeWarning on stderr. patches/kafkajs+2.2.4.patch stops scheduling then.
  const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as new (
    options: object,
  ) => {
    checkPendingRequests(): void;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
  };
  const quiet = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };

  it("schedules no check when nothing is pending and nothing is throttled", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const queue = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 1000,
      enforceRequestTimeout: false,
      clientId: "runtime-test",
      broker: "127.0.0.1:9",
      logger: quiet,
    });
    try {
      queue.checkPendingRequests();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(queue.throttleCheckTimeoutId).toBeNull();
      expect(warnings.map((w) => w.name)).not.toContain("TimeoutNegativeWarning");
    } finally {
      process.off("warning", onWarning);
      // Unpatched, the check re-arms itself every millisecond: stop it so the test can end.
      if (queue.throttleCheckTimeoutId) clearTimeout(queue.throttleCheckTimeoutId);
    }
  });
});

describe("dependencies on this Node", () => {
  /**
   * Node's deprecated util type checks (`util.isUndefined`, `util.isArray`, … ) and `util.log`,
   * removed one by one since Node 23, as this Node lacks them.
   */
  const REMOVED = [
    "isArray",
    "isBoolean",
    "isBuffer",
    "isDate",
    "isError",
    "isFunction",
    "isNull",
    "isNullOrUndefined",
    "isNumber",
    "isObject",
    "isPrimitive",
    "isRegExp",
    "isString",
    "isSymbol",
    "isUndefined",
    "log",
    "_extend",
  ].filter((name) => typeof (util as unknown as Record<string, unknown>)[name] !== "function");

  /** Names a file binds to Node's util module, and the names it takes out of it. */
  function utilUses(source: string): string[] {
    const uses: string[] = [];
    const binding =
      /(?:(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*["'](?:node:)?util["']\s*\)|import\s+\*\s+as\s+(\w+)\s+from\s*["'](?:node:)?util["']|import\s+(\w+)\s+from\s*["'](?:node:)?util["'])/g;
    for (const match of source.matchAll(binding)) {
      const name = match[1] ?? match[2] ?? match[3]!;
      for (const helper of REMOVED) {
        if (new RegExp(`\\b${name}\\s*\\)?\\s*\\.${helper}\\b`).test(source)) uses.push(`${name}.${helper}`);
      }
    }
    const destructured =
      /(?:import\s*\{([^}]*)\}\s*from\s*["'](?:node:)?util["']|\{([^}]*)\}\s*=\s*require\(\s*["'](?:node:)?util["']\s*\))/g;
    for (const match of source.matchAll(destructured)) {
      for (const part of (match[1] ?? match[2]!).split(",")) {
        const name = part.trim().split(/\s+as\s+|\s*:\s*/)[0]!;
        if (REMOVED.includes(name)) uses.push(name);
      }
    }
    return uses;
  }

  it("finds a removed util helper where one is used (the check itself works)", () => {
    expect(REMOVED).toContain("isUndefined");
    expect(utilUses(`const util_1 = require("util");\nif ((0, util_1.isUndefined)(rule)) {}`)).toEqual([
      "util_1.isUndefined",
    ]);
    expect(utilUses(`import { isUndefined } from 'util';`)).toEqual(["isUndefined"]);
    expect(utilUses(`const { inspect, isBoolean: b } = require("node:util");`)).toEqual(["isBoolean"]);
    expect(utilUses(`const util = require("util");\nutil.inspect(x); util.isDeepStrictEqual(a, b);`)).toEqual(
      [],
    );
  });

  it("no production dependency calls a util helper this Node removed", () => {
    // The installed production packages, as package-lock.json lists them (dev-only ones excluded).
    const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; link?: boolean }>;
    };
    const packages = Object.entries(lock.packages)
      .filter(([dir, entry]) => dir.startsWith("node_modules/") && !entry.dev && !entry.link)
      .map(([dir]) => path.join(ROOT, dir));
    expect(packages.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const dir of packages) {
      for (const file of sourceFiles(dir)) {
        if (BROWSER_BUNDLES.includes(path.relative(ROOT, file))) continue;
        const source = readFileSync(file, "utf8");
        if (!/["'](?:node:)?util["']/.test(source)) continue;
        for (const use of utilUses(source)) found.push(`${path.relative(ROOT, file)}: ${use}`);
      }
    }
    expect(found).toEqual([]);
  });
});

/**
 * Prebuilt bundles for browsers that Node never loads, whose `require("util")` is the util
 * polyfill bundled inside them, not Node's: pngjs (under qrcode, which loads `pngjs/lib/png.js`)
 * ships one.
 */
const BROWSER_BUNDLES = ["node_modules/pngjs/browser.js"];

/** The JavaScript files of one package, without its nested node_modules, tests or examples. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      return; // an optional dependency that is not installed on this platform
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!["node_modules", "test", "tests", "__tests__", "example", "examples"].includes(entry.name))
          walk(full);
      } else if (/\.(c|m)?js$/.test(entry.name)) {
        out.push(full);
      }
    }
  };
  walk(dir);
  return out;
}
