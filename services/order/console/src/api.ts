const TOKEN_KEY = 'saga-console-token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY) || null;
}

/** Stores (or, with null, forgets) the operator token and tells the page, which re-renders. */
export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('tokenchange'));
}

/** A failed request, from its application/problem+json answer (status 0: the network failed). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: unknown,
  ) {
    super(detail || title);
  }
}

async function problemFrom(res: Response): Promise<Problem> {
  const fallback = `${res.status} ${res.statusText}`.trim();
  try {
    const body = (await res.json()) as { title?: unknown; detail?: unknown; errors?: unknown };
    const title = typeof body.title === 'string' ? body.title : fallback;
    const detail = typeof body.detail === 'string' ? body.detail : title;
    return new Problem(res.status, title, detail, body.errors);
  } catch {
    return new Problem(res.status, fallback, fallback);
  }
}

/** Sends a request with the operator token (when set) and returns the JSON answer, or throws a Problem. */
export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new Problem(0, 'Network error', `The server could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!res.ok) throw await problemFrom(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(url: string): Promise<T> => request<T>('GET', url);
export const post = <T>(url: string, body?: unknown): Promise<T> => request<T>('POST', url, body ?? {});
export const del = <T>(url: string): Promise<T> => request<T>('DELETE', url);

/** Encodes one path segment. */
export const seg = (value: string): string => encodeURIComponent(value);
