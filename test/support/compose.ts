/**
 * Docker Compose's variable interpolation, enough of it to read docker-compose.yml as compose
 * would: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$$`.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}])*))?\}/g,
    (match, name: string | undefined, operator: string | undefined, argument = "") => {
      if (match === "$$") return "$";
      const set = env[name!] !== undefined;
      const nonEmpty = set && env[name!] !== "";
      switch (operator) {
        case ":-":
          return nonEmpty ? env[name!]! : argument;
        case "-":
          return set ? env[name!]! : argument;
        case ":?":
        case "?":
          if (operator === ":?" ? nonEmpty : set) return env[name!]!;
          throw new Error(`${name}: ${argument}`);
        default:
          return env[name!] ?? "";
      }
    },
  );
}

/** A service's `environment`, map or list form, interpolated, as the container would see it. */
export function serviceEnvironment(
  environment: Record<string, unknown> | string[] | undefined,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const entries: Array<[string, string]> = Array.isArray(environment)
    ? environment.map((item) => {
        const [key, ...rest] = item.split("=");
        return [key!, rest.join("=")];
      })
    : Object.entries(environment ?? {}).map(([key, value]) => [key, value === null ? "" : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value, env)]));
}
