/**
 * Defaults that differ in development (`NODE_ENV=development`, the default when unset): what a
 * developer on their own machine needs, where production's defaults would fight them. They apply
 * only to variables the environment leaves unset, and nowhere else: `production` and `test` keep
 * the design's values. The configuration reference shows them beside the defaults.
 */
export const DEVELOPMENT_DEFAULTS: Record<string, string> = {
  // The banner offers an admin password recipe: keep the server to this machine.
  HOST: "127.0.0.1",
  LOG_FORMAT: "pretty",
  // Room to iterate on a sign-up or login form without waiting out a window (a real Redis keeps
  // the counters across restarts); production keeps 5/1m, 3/1h and the rest.
  RATE_LIMIT_LOGIN_PER_IP: "100/1m",
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: "100/1h",
  RATE_LIMIT_REGISTER_PER_IP: "100/1h",
  RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: "30/1h",
  RATE_LIMIT_PASSWORD_RESET_PER_IP: "100/1h",
  RATE_LIMIT_VERIFICATION_PER_EMAIL: "30/1h",
  RATE_LIMIT_VERIFICATION_PER_IP: "100/1h",
  RATE_LIMIT_TOKEN_PER_IP: "200/1h",
  RATE_LIMIT_REFRESH_PER_SESSION: "600/1h",
};
