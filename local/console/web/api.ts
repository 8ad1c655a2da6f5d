/// <reference lib="dom" />
/** Calls to the console server; every failure becomes an {@link ApiRequestError} with a message to show. */
import type { ApiError } from '../api-types';

/** A refused or failed call, with the server's error name and message. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    name: string,
    message: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** GETs or POSTs JSON. */
export async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}) } });
  } catch (e: unknown) {
    throw new ApiRequestError(
      0,
      'NetworkError',
      `the console server did not answer (${e instanceof Error ? e.message : String(e)}); is etl console still running?`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiRequestError(response.status, 'InvalidResponseError', `the server answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as Partial<ApiError> | null)?.error;
    throw new ApiRequestError(response.status, error?.name ?? `HTTP ${response.status}`, error?.message ?? response.statusText);
  }
  return body as T;
}

/** A path segment or query value. */
export const enc = encodeURIComponent;
