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
const SECRET_TEXT = [
  /eyJ[\w-]+\.[\w-]+\.[\w-]+/g,
  /\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}/g,
  /Bearer\s+\S+/gi,
];

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

/**
 * Logs to `destination`, or to stdout synchronously: an asynchronous stdout lets the flush at
 * process.exit() overtake a line still being written, so the last lines of a shutdown could come
 * out of order or not at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
