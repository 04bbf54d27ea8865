/** A GraphQL client as a frontend would use it: plain HTTP POST (or GET) with fetch. */

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
}

export class GraphQLClient {
  constructor(readonly url: string) {}

  async request<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: this.headers(options),
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
  }

  async get<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<GraphQLResponse<T>> {
    const url = new URL(this.url);
    url.searchParams.set("query", query);
    if (variables) url.searchParams.set("variables", JSON.stringify(variables));
    const response = await fetch(url, { headers: this.headers(options) });
    return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
  }

  private headers(options: RequestOptions): Record<string, string> {
    return {
      "content-type": "application/json",
      // Apollo's CSRF prevention lets a GET through only with a non-simple header.
      "apollo-require-preflight": "true",
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    };
  }
}

/** The first error's extensions, for asserting codes. */
export function errorOf(response: GraphQLResponse): Record<string, any> & { message: string } {
  const error = response.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(response.data)}`);
  return { message: error.message, ...error.extensions };
}
