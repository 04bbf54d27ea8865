import { z } from "zod";

/**
 * The kinds of value an environment variable holds, each with its default recorded for the
 * configuration reference (`meta().default`, as an operator would write it) and its problems
 * worded as this project words them (`describeIssue`).
 */

/** What the configuration reference says of a variable (src/config/variables.ts). */
export interface VariableDoc {
  /** Markdown, one or two sentences: what it does, and what unset means when that is special. */
  description: string;
  /** The default as written in the environment; set by the helpers below. */
  default?: string;
  /** Shown instead of `default` where the value is not a constant (e.g. "number of cores"). */
  defaultText?: string;
  /** Production's rule when it differs from the default, e.g. "required". */
  production?: string;
  /** Shown as the development default where it is not a constant (see development.ts). */
  developmentText?: string;
  /** Why docker-compose.yml does not pass it to the gateway (a test checks the others are passed). */
  notInCompose?: string;
  /** A value to show in `.env.example` where the default is "unset". */
  example?: string;
}

declare module "zod" {
  interface GlobalMeta extends Partial<VariableDoc> {}
}

/** A variable's schema with its documentation (the configuration reference is generated from it). */
export const doc = <T extends z.ZodType>(
  schema: T,
  description: string,
  more: Omit<VariableDoc, "description"> = {},
) => schema.meta({ description, ...more });

/** An empty value (`VAR=` in an env file, `${VAR:-}` in compose) means "not set": the default applies. */
export const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** A whole number from `min` (and up to `max`), `fallback` when unset. */
export const int = (fallback: number, min = 0, max?: number) => {
  const whole = "must be a whole number";
  const notANumber = (issue: { code: string }) => (issue.code === "invalid_type" ? whole : undefined);
  let number = z.coerce.number({ error: notANumber }).int({ error: whole }).min(min);
  if (max !== undefined) number = number.max(max);
  return z.preprocess(emptyAsUnset, number.default(fallback)).meta({ default: String(fallback) });
};

/** A number from `min` to `max` (fractions allowed), `fallback` when unset. */
export const ratio = (fallback: number, min: number, max: number) =>
  z
    .preprocess(emptyAsUnset, z.coerce.number().min(min).max(max).default(fallback))
    .meta({ default: String(fallback) });

/** A string; unset or empty is undefined. */
export const optionalText = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

/** A non-empty string, `fallback` when unset or empty. */
export const text = (fallback: string) =>
  z.preprocess(emptyAsUnset, z.string().min(1).default(fallback)).meta({ default: fallback });

/** One of `values`, `fallback` when unset or empty. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(emptyAsUnset, z.enum(values).default(fallback as never)).meta({ default: fallback });

/** One of `values`; unset or empty is undefined (the default is decided elsewhere). */
export const optionalOneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(emptyAsUnset, z.enum(values).optional());

/** "true"/"false" (or 1/0, yes/no); unset or empty is undefined. */
export const optionalBool = () =>
  z
    .string()
    .optional()
    .transform((v, ctx): boolean | undefined => {
      if (v === undefined || v.trim() === "") return undefined;
      const value = v.trim().toLowerCase();
      if (["true", "1", "yes"].includes(value)) return true;
      if (["false", "0", "no"].includes(value)) return false;
      ctx.addIssue({ code: "custom", message: "must be true or false" });
      return z.NEVER;
    });

/** As optionalBool, with `fallback` when unset or empty. */
export const bool = (fallback: boolean) =>
  optionalBool()
    .transform((v) => v ?? fallback)
    .meta({ default: String(fallback) });

/** A comma-separated list; unset or empty is undefined. */
export const csv = () =>
  optionalText().transform((v) =>
    v
      ?.split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

/**
 * A URL with one of `schemes` (without the colon), e.g. `["postgresql", "postgres"]`; unset or
 * empty is undefined. `example` shows the expected shape in the error.
 */
export const optionalUrl = (schemes: string[], example: string) =>
  optionalText().transform((value, ctx): string | undefined => {
    if (value === undefined) return undefined;
    let scheme: string | undefined;
    try {
      scheme = new URL(value).protocol.replace(/:$/, "");
    } catch {
      scheme = undefined;
    }
    if (scheme === undefined || !schemes.includes(scheme)) {
      // The value may hold a password: name only its scheme, never the value.
      const got = scheme === undefined ? "" : ` (got ${scheme}://…)`;
      ctx.addIssue({ code: "custom", message: `must be a URL such as ${example}${got}` });
      return z.NEVER;
    }
    return value;
  });

/** As optionalUrl, `fallback` when unset or empty. */
export const url = (schemes: string[], fallback: string) =>
  optionalUrl(schemes, fallback)
    .transform((v) => v ?? fallback)
    .meta({ default: fallback });

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** A rate limit written `points/duration`, e.g. `5/1m`, `3/1h`, `100/30s`. */
export const rate = (fallback: string) =>
  z
    .preprocess(emptyAsUnset, z.string().default(fallback))
    .transform((value, ctx) => {
      const match = /^\s*(\d+)\s*\/\s*(\d+)\s*([smhd])\s*$/.exec(value);
      const points = Number(match?.[1]);
      const durationSeconds = Number(match?.[2]) * DURATION_UNITS[(match?.[3] ?? "s") as "s"];
      if (!match || points < 1 || durationSeconds < 1) {
        ctx.addIssue({ code: "custom", message: "must be points/duration, e.g. 5/1m or 3/1h" });
        return z.NEVER;
      }
      return { points, durationSeconds };
    })
    .meta({ default: fallback });

/** A zod issue in the words of this project's documentation (never zod's own phrasing). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  // The messages this module writes itself ("must be …") stand as they are; zod's never start so.
  if (issue.message.startsWith("must ")) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "int") return "must be a whole number";
      if (issue.expected === "number") return "must be a number";
      return "is required";
    case "too_small":
      if (issue.origin === "string")
        return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex" ? issue.message : `must be a valid ${issue.format}`;
    case "custom":
      return issue.message;
    default:
      return "is not a valid value";
  }
}
