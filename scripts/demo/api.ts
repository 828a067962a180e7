/** A response of herald's HTTP API: status and parsed JSON body. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** Calls herald's HTTP API with a bearer key, the way any client would (curl lines at the end show the same calls). */
export type Api = <T = unknown>(method: string, route: string, body?: unknown) => Promise<ApiResponse<T>>;

/** Builds an {@link Api} for the service at `baseUrl`. */
export function createApi(baseUrl: string, apiKey: string): Api {
  return async <T>(method: string, route: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

/**
 * Like `api(...)`, but a status other than `expected` throws with herald's own error message
 * (which says what to fix), instead of the demo carrying on with a half-done setup.
 */
export async function expectStatus<T>(api: Api, expected: number, method: string, route: string, body?: unknown): Promise<T> {
  const response = await api<T & { message?: string }>(method, route, body);
  if (response.status !== expected) {
    throw new Error(`${method} ${route} answered ${response.status} (expected ${expected}): ${response.body?.message ?? JSON.stringify(response.body)}`);
  }
  return response.body;
}
