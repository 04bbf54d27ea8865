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
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "identity-gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
    },
    destination,
  );
}
