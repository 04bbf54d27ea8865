import type { z } from "zod";
import { errors } from "./errors";

// Cursor paging (Relay connections) for any list: what a service returns. The GraphQL type of
// `pageInfo` (PageInfo) is declared with the schema, in graphql/paging.ts.

/** The most rows one page may ask for; more is BAD_USER_INPUT rather than silently cut. */
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, fallback: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw errors.badUserInput({ first: `must be between 1 and ${MAX_PAGE_SIZE}` });
  }
  return size;
}

/**
 * Cursors are opaque to clients: base64url JSON of the sort key of a row. A page continues after
 * that key (keyset pagination), so rows inserted or deleted elsewhere never shift a page.
 */
export function encodeCursor(key: object): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** The key in `cursor`, or BAD_USER_INPUT when it is not a cursor of this list and order. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw errors.badUserInput({ after: "is not a cursor of this list and order" });
  return parsed.data;
}

/** Where a page is in its list. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Builds a page from up to `size + 1` rows (the extra row only says that more follow). */
export function toConnection<T>(
  rows: T[],
  size: number,
  cursorOf: (row: T) => string,
  afterGiven: boolean,
): Connection<T> {
  const edges = rows.slice(0, size).map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: afterGiven,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
