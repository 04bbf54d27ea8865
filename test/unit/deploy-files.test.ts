import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { parse } from "yaml";
import { documentedVariables } from "../../scripts/config-reference";
import { CONFIG_VARIABLES, loadConfig } from "../../src/config";
import { interpolate, serviceEnvironment } from "../support/compose";

// No Docker engine runs here: these check what can be checked of the image and the compose file
// without one, against the code they must agree with.
const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const packageJson = JSON.parse(read("package.json")) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
const SECRET = "a-compose-secret-that-is-at-least-32-bytes-long";

/** `node dist/x/y.js` must be built from `src/x/y.ts`, and that file must run as a program. */
function expectBuiltEntryPoint(script: string) {
  const match = /^dist\/(.+)\.js$/.exec(script);
  expect(match).not.toBeNull();
  expect(existsSync(path.join(ROOT, "src", `${match![1]}.ts`))).toBe(true);
}

describe("docker-compose.yml", () => {
  const composeText = read("docker-compose.yml");
  const compose = parse(composeText) as {
    services: Record<string, Record<string, any>>;
    volumes: Record<string, unknown>;
  };
  const { gateway, migrate, postgres, redis, kafka } = compose.services;
  const environment = (
    dotEnv: Record<string, string> = { JWT_SECRET_KEY: SECRET, ONE_TIME_LINK_SECRET: SECRET },
  ) => serviceEnvironment(gateway!.environment, dotEnv);
  /** The header's command lines (`#   command`), as an operator copies them. */
  const headerCommands = composeText
    .split("\n")
    .filter((line) => /^#   \S/.test(line) && !/^#   #/.test(line))
    .map((line) =>
      line
        .slice(4)
        .replace(/\s+#.*$/, "")
        .trim(),
    );
  const operating = read("docs/operating.md");
  const notInCompose = documentedVariables()
    .filter((v) => v.notInCompose)
    .map((v) => v.name);

  it("runs the gateway with PostgreSQL, Redis and Kafka in KRaft mode, each health-checked, data in volumes", () => {
    for (const [name, service] of Object.entries({ postgres, redis, kafka })) {
      expect({ name, healthcheck: service?.healthcheck?.test }).toEqual({
        name,
        healthcheck: expect.any(Array),
      });
      const volumes = (service!.volumes ?? []) as string[];
      expect(volumes.some((v) => Object.keys(compose.volumes).includes(v.split(":")[0]!))).toBe(true);
    }
    expect(kafka!.environment.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(Object.keys(compose.services).some((name) => /zookeeper/i.test(name))).toBe(false);
  });

  it("starts the gateway once the database is migrated and Redis answers, without waiting for Kafka", () => {
    // Kafka down never fails a request: events wait in the outbox and the relay retries.
    expect(gateway!.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      migrate: { condition: "service_completed_successfully" },
    });
  });

  it("gives the gateway every variable but the ones it has no use for, and a configuration that loads", () => {
    const env = environment();
    expect(notInCompose).toEqual(expect.arrayContaining(["EMBEDDED_DATA_DIR", "ENV_FILE"]));
    expect(Object.keys(env).sort()).toEqual(
      CONFIG_VARIABLES.filter((name) => !notInCompose.includes(name)).sort(),
    );
    const config = loadConfig(env);
    expect(config.isProduction).toBe(true);
    expect(config.hardening.introspection).toBe(false);
    expect(config.playground.enabled).toBe(false);
    expect(config.passwords.hashConcurrency).toBeGreaterThan(0);
    // Same broker address as Kafka advertises, same database as the migrations run on.
    expect(env.KAFKA_BOOTSTRAP_SERVERS).toBe(
      kafka!.environment.KAFKA_ADVERTISED_LISTENERS.replace("PLAINTEXT://", ""),
    );
    expect(serviceEnvironment(migrate!.environment, {}).DATABASE_URL).toBe(env.DATABASE_URL);
  });

  it("leaves defaults to the gateway: every variable it does not set itself passes through as ${VAR:-}", () => {
    // What names this file's services (the Redis overlays set the topology variables instead).
    const own = ["NODE_ENV", "PORT", "HOST", "DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS"];
    own.push("REDIS_TOPOLOGY", "REDIS_NODES", "REDIS_SENTINEL_MASTER");
    const secrets = ["JWT_SECRET_KEY", "ONE_TIME_LINK_SECRET"];
    for (const [name, value] of Object.entries(gateway!.environment as Record<string, unknown>)) {
      if (own.includes(name)) continue;
      if (secrets.includes(name)) {
        expect({ name, value }).toEqual({
          name,
          value: expect.stringMatching(new RegExp(`^\\$\\{${name}:\\?`)),
        });
        continue;
      }
      expect({ name, value }).toEqual({ name, value: `\${${name}:-}` });
    }
  });

  it("keeps its secrets in .env, made once by the documented line, so any new shell runs it", () => {
    const line = headerCommands.find((command) => command.includes("openssl rand"));
    expect(line).toBeDefined();
    // The operating guide gives the same line.
    expect(operating).toContain(line);
    const dir = mkdtempSync(path.join(tmpdir(), "aegis-compose-"));
    try {
      writeFileSync(path.join(dir, ".env"), "LOG_LEVEL=warn\n");
      execFileSync("bash", ["-c", line!], { cwd: dir });
      const first = readFileSync(path.join(dir, ".env"), "utf8");
      execFileSync("bash", ["-c", line!], { cwd: dir });
      // Run again, it adds nothing and changes nothing: tokens and links stay valid.
      expect(readFileSync(path.join(dir, ".env"), "utf8")).toBe(first);
      const dotEnv = parseEnv(first);
      expect(dotEnv.LOG_LEVEL).toBe("warn");
      // A new shell exports nothing: compose reads .env beside the file.
      const config = loadConfig(serviceEnvironment(gateway!.environment, dotEnv));
      expect(config.jwt.secret).toBe(dotEnv.JWT_SECRET_KEY);
      expect(config.recovery.linkSecret).toBe(dotEnv.ONE_TIME_LINK_SECRET);
      expect(dotEnv.JWT_SECRET_KEY).not.toBe(dotEnv.ONE_TIME_LINK_SECRET);
      for (const secret of [dotEnv.JWT_SECRET_KEY!, dotEnv.ONE_TIME_LINK_SECRET!]) {
        expect(Buffer.byteLength(secret)).toBeGreaterThanOrEqual(32);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start without those secrets, saying where they go", () => {
    expect(() => serviceEnvironment(gateway!.environment, { ONE_TIME_LINK_SECRET: SECRET })).toThrow(
      /JWT_SECRET_KEY: is not set - add it to \.env/,
    );
    expect(() => serviceEnvironment(gateway!.environment, { JWT_SECRET_KEY: SECRET })).toThrow(
      /ONE_TIME_LINK_SECRET: is not set - add it to \.env/,
    );
  });

  it("turns the playground on from .env, for a trusted network", () => {
    const config = loadConfig(
      environment({
        JWT_SECRET_KEY: SECRET,
        ONE_TIME_LINK_SECRET: SECRET,
        GRAPHQL_INTROSPECTION: "true",
        PLAYGROUND_ENABLED: "true",
      }),
    );
    expect(config.playground.enabled).toBe(true);
    expect(composeText).toMatch(/GRAPHQL_INTROSPECTION=true and PLAYGROUND_ENABLED=true in\n# \.env/);
  });

  it("creates the first admin with the image's own CLI, the password asked for, not typed in the command", () => {
    const command = headerCommands.find((c) => c.includes("admin-create"));
    expect(command).toMatch(
      /^docker compose exec gateway node (dist\/cli\/admin-create\.js) --email \S+ --password-stdin$/,
    );
    expectBuiltEntryPoint(/node (\S+)/.exec(command!)![1]!);
    expect(operating).toContain(command);
  });

  it("lets the gateway's own shutdown deadline finish before Docker kills it", () => {
    const graceSeconds = Number(/^(\d+)s$/.exec(gateway!.stop_grace_period)![1]);
    expect(graceSeconds * 1000).toBeGreaterThan(loadConfig(environment()).shutdown.timeoutMs);
  });

  it("runs migrations with the image's runner", () => {
    expect(migrate!.command.slice(0, 1)).toEqual(["node"]);
    expectBuiltEntryPoint(migrate!.command[1]);
  });
});

describe("compose overlays for Redis Cluster and Sentinel", () => {
  const base = parse(read("docker-compose.yml")) as { services: Record<string, Record<string, any>> };
  const overlays = [
    ["docker-compose.redis-cluster.yml", "cluster"],
    ["docker-compose.redis-sentinel.yml", "sentinel"],
  ] as const;

  it.each(overlays)(
    "%s gives the gateway a %s configuration that loads, on services it defines",
    (file, topology) => {
      const overlay = parse(read(file), { merge: true }) as { services: Record<string, Record<string, any>> };
      const services = { ...base.services, ...overlay.services };
      const env = serviceEnvironment(
        { ...base.services.gateway!.environment, ...overlay.services.gateway!.environment },
        { JWT_SECRET_KEY: SECRET, ONE_TIME_LINK_SECRET: SECRET },
      );
      const config = loadConfig(env);
      expect(config.redis.topology.kind).toBe(topology);
      const nodes =
        config.redis.topology.kind === "single" || config.redis.topology.kind === "in-process"
          ? []
          : config.redis.topology.kind === "cluster"
            ? config.redis.topology.nodes
            : config.redis.topology.sentinels;
      expect(nodes).toHaveLength(3);
      for (const node of nodes) {
        const service = services[node.host];
        expect({ node: node.host, defined: service !== undefined }).toEqual({
          node: node.host,
          defined: true,
        });
        // A sentinel listens on 26379, a data node on 6379 (their images' defaults).
        const listens = JSON.stringify(service!.command ?? "").includes("--sentinel") ? 26379 : 6379;
        expect(node.port).toBe(listens);
      }
      // The gateway waits only for services that exist, each health-checked or a one-off job.
      for (const [name, { condition }] of Object.entries(
        overlay.services.gateway!.depends_on as Record<string, { condition: string }>,
      )) {
        expect(services[name]).toBeDefined();
        if (condition === "service_healthy") expect(services[name]!.healthcheck).toBeDefined();
      }
      if (topology === "sentinel") {
        const monitor = /sentinel monitor (\S+) (\S+) (\d+) (\d+)/.exec(
          JSON.stringify(services["sentinel-1"]!.command),
        )!;
        expect(monitor[1]).toBe(env.REDIS_SENTINEL_MASTER);
        expect(services[monitor[2]!]).toBeDefined();
      } else {
        const create = JSON.stringify(services["redis-cluster-init"]!.command);
        for (const node of nodes) expect(create).toContain(`getent hosts ${node.host} `);
      }
    },
  );
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile").replace(/\\\n/g, " ");
  const lines = dockerfile.split("\n").filter((line) => line.trim() && !line.trim().startsWith("#"));
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;
  const ignored = read(".dockerignore")
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("#"));

  it("builds and runs every stage on the Node that package.json's engines names", () => {
    const major = /^>=\s*(\d+)/.exec(packageJson.engines.node)?.[1];
    expect(major).toBeDefined();
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toBe(`node:${major}-bookworm-slim`);
    for (const stage of stages) expect(stage.split("\n")[0]).toMatch(/^\$\{NODE_IMAGE\} AS \w+/);
  });

  it("applies the committed dependency patches after installing, as npm ci does through postinstall", () => {
    const patches = readdirSync(path.join(ROOT, "patches")).filter((file) => file.endsWith(".patch"));
    expect(patches.length).toBeGreaterThan(0);
    expect(packageJson.scripts.postinstall).toMatch(/^patch-package --error-on-fail$/);
    const build = stages[0]!;
    expect(build).toMatch(/^COPY patches \.\/patches$/m);
    // Install scripts are skipped in the image, so patch-package runs right after npm ci.
    expect(build).toMatch(/RUN npm ci --ignore-scripts[^\n]*&& npx patch-package --error-on-fail/);
    expect(build.indexOf("COPY patches")).toBeLessThan(build.indexOf("RUN npm ci"));
  });

  it("runs the gateway as npm start does, with its heap budget (docs/performance.md, Memory)", () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? "[]") as string[];
    expect(cmd.join(" ")).toBe(packageJson.scripts.start);
    expect(packageJson.scripts.start).toMatch(
      /^node --max-semi-space-size=\d+ --max-old-space-size=\d+ dist\/main\.js$/,
    );
  });

  it("builds in stages and runs as a non-root user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const user = /^USER (\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    // The runtime stage installs nothing: it takes dependencies pruned to production ones.
    expect(runtime).not.toMatch(/^RUN npm/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/app\/node_modules/);
  });

  it("uses only npm scripts that exist, and no install scripts", () => {
    const scripts = [...lines.join("\n").matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(Object.keys(packageJson.scripts)).toContain(script);
    expect(packageJson.scripts.prebuild).toContain("db:generate");
    for (const line of lines.filter((l) => /npm (ci|install|prune)/.test(l))) {
      expect(line).toContain("--ignore-scripts");
    }
  });

  it("copies every file the build's npm scripts read", () => {
    // The scripts `npm run build` runs (pre-hooks and `npm run x` inside them), and the project
    // paths they name: each must reach the build stage through a COPY.
    const scriptNames = new Set<string>();
    const visit = (name: string) => {
      if (scriptNames.has(name) || !packageJson.scripts[name]) return;
      scriptNames.add(name);
      visit(`pre${name}`);
      for (const m of packageJson.scripts[name].matchAll(/npm run ([\w:-]+)/g)) visit(m[1]!);
    };
    visit("build");
    const commands = [...scriptNames].map((name) => packageJson.scripts[name] as string).join(" ");
    const paths = [...commands.matchAll(/\b((?:scripts|src|prisma)\/[\w./-]+)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    const copied = lines
      .filter((line) => /^COPY /.test(line) && !line.includes("--from"))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
    for (const file of paths) {
      expect({
        file,
        copied: copied.some((source) => file === source || file.startsWith(`${source}/`)),
      }).toEqual({
        file,
        copied: true,
      });
    }
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const copies = lines.filter((line) => /^COPY /.test(line) && !line.includes("--from"));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.trim().split(/\s+/).slice(1, -1);
      for (const source of sources) {
        expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
        expect(ignored).not.toContain(source);
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", ".env", ".git"]));
  });

  it("starts the built server, health-checks readiness and migrates with the built runner", () => {
    // node, its flags (the heap budget: "runs the gateway as npm start does"), the entry point.
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? "[]") as string[];
    expect([cmd[0], cmd.at(-1)]).toEqual(["node", "dist/main.js"]);
    expectBuiltEntryPoint("dist/main.js");
    expect(runtime).toMatch(/^HEALTHCHECK .*\/health\/readiness/m);
    expect(runtime).toMatch(/COPY --from=build \/app\/prisma\/migrations \.\/prisma\/migrations/);
    expect(read("src/db/migrate.ts")).toContain("require.main === module");
    expect(/^EXPOSE (\d+)/m.exec(runtime)?.[1]).toBe(
      String(loadConfig({ DATABASE_URL: "postgresql://x@y/z" }).http.port),
    );
  });
});

describe("interpolate", () => {
  it("reads compose's forms", () => {
    const env = { SET: "v", EMPTY: "" };
    expect(interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${MISSING-d} ${MISSING} $$x", env)).toBe(
      "v d  d  $x",
    );
    expect(() => interpolate("${EMPTY:?needed}", env)).toThrow("EMPTY: needed");
  });
});
