import { textProblem } from "../core/text";

/** Arguments that ask for a number of items: capped like list arguments. */
const PAGE_SIZE_ARGUMENTS = new Set(["first", "last", "limit", "take", "pageSize", "perPage"]);

export interface InputLimits {
  /** Longest list argument, and largest page size (`first`, `limit`…). */
  maxListSize: number;
  /** Deepest nesting of lists and input objects in one argument. */
  maxDepth: number;
}

/** What is wrong with an argument: `path` is dotted (`input.name`, `representations.3.id`). */
export interface InputProblem {
  path: string;
  problem: string;
  /** Set when a list or page size is over the limit: the limit (reported with its own message). */
  maxItems?: number;
}

function isInputObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

/**
 * The first problem in a field's arguments, checked the same way for every field, every
 * transport and every string a client can send: text (no control or invisible formatting
 * characters: core/text.ts), list lengths and page sizes, and nesting depth.
 *
 * The walk is iterative: a client decides how deep its variables nest (a JSON array 40 000
 * levels deep fits in a request body), and a recursive walk would overflow the stack.
 */
export function inspectArguments(
  args: Record<string, unknown>,
  limits: InputLimits,
): InputProblem | undefined {
  const pending: Array<{ value: unknown; path: string; name: string; depth: number }> = [];
  for (const [name, value] of Object.entries(args).reverse()) {
    pending.push({ value, path: name, name, depth: 1 });
  }
  while (pending.length > 0) {
    const { value, path, name, depth } = pending.pop()!;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) return { path, problem };
    } else if (typeof value === "number") {
      if (PAGE_SIZE_ARGUMENTS.has(name) && value > limits.maxListSize) {
        return { path, problem: `at most ${limits.maxListSize} items`, maxItems: limits.maxListSize };
      }
    } else if (Array.isArray(value) || isInputObject(value)) {
      if (depth > limits.maxDepth) {
        return { path, problem: `nests more than ${limits.maxDepth} levels deep` };
      }
      if (Array.isArray(value)) {
        if (value.length > limits.maxListSize) {
          return { path, problem: `at most ${limits.maxListSize} items`, maxItems: limits.maxListSize };
        }
        for (let i = value.length - 1; i >= 0; i--) {
          pending.push({ value: value[i], path: `${path}.${i}`, name, depth: depth + 1 });
        }
      } else {
        for (const [key, item] of Object.entries(value).reverse()) {
          pending.push({ value: item, path: `${path}.${key}`, name: key, depth: depth + 1 });
        }
      }
    }
  }
  return undefined;
}
