import pino from "pino";

export type Logger = pino.Logger;

/**
 * Paths redacted from every log line, whatever the level: credentials must never reach a log
 * pipeline, even when a whole request or GraphQL variables object is logged by mistake.
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.passwordHash",
  "passwordHash",
  "*.accessToken",
  "*.refreshToken",
  "accessToken",
  "refreshToken",
  "*.token",
  "token",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
  "*.authorization",
  "variables.*.password",
  "variables.input.password",
  "variables.input.currentPassword",
  "variables.input.newPassword",
  "variables.refreshToken",
  "*.secret",
  "secret",
  "*.jwtSecret",
];

/**
 * Patterns of credentials inside free text (error messages, stacks, log messages), which key
 * paths cannot reach: JWTs, bcrypt hashes and whatever follows "Bearer".
 */
const SECRET_TEXT = [/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, /\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}/g, /Bearer\s+\S+/gi];

export function scrubText(text: string): string {
  return SECRET_TEXT.reduce((out, pattern) => out.replace(pattern, "[REDACTED]"), text);
}

/** pino's error serializer, with credentials scrubbed from message and stack. */
function serializeError(error: unknown) {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== "object") return serialized;
  for (const key of ["message", "stack"]) {
    if (typeof serialized[key] === "string") serialized[key] = scrubText(serialized[key] as string);
  }
  return serialized;
}

export type LogFormat = "json" | "pretty";

/**
 * Logs to `destination`, or to stdout synchronously: an asynchronous stdout lets the flush at
 * process.exit() overtake a line still being written, so the last lines of a shutdown could come
 * out of order or not at all. `pretty` (development's default) writes pino-pretty's lines for a
 * person at a terminal instead of JSON; pino-pretty is a development dependency, so where it is
 * not installed (a production image) the lines stay JSON.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = "json",
): Logger {
  return pino(
    {
      level,
      base: { service: "identity-gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
      serializers: { err: serializeError },
      hooks: {
        logMethod(args, method) {
          // Messages are text: scrub them as error messages are.
          const scrubbed = args.map((arg) => (typeof arg === "string" ? scrubText(arg) : arg));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    // Synchronous: asynchronous writes were measured at a few percent of `me`'s CPU, but they
    // let the last lines of a shutdown reach stdout out of order (the shutdown test caught it).
    destination ??
      (format === "pretty" ? prettyStdout() : undefined) ??
      pino.destination({ dest: 1, sync: true }),
  );
}

/** pino-pretty writing to stdout synchronously, or undefined where it is not installed. */
function prettyStdout(): pino.DestinationStream | undefined {
  let pretty: typeof import("pino-pretty");
  try {
    pretty = require("pino-pretty") as typeof import("pino-pretty");
  } catch {
    process.stderr.write(
      "LOG_FORMAT=pretty: pino-pretty is not installed (a development dependency); logging JSON\n",
    );
    return undefined;
  }
  return pretty({
    sync: true,
    destination: 1,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service",
    singleLine: false,
  });
}
