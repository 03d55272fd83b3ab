/**
 * The one way the workbench talks to the API: same-origin JSON with the session
 * cookie, the CSRF token on every change, and problem+json errors as ApiError.
 */

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldIssue[] = [],
  ) {
    super(detail);
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (t: string | null) => {
  csrfToken = t;
};

/** Fired when the session has ended (401): the app shows the sign-in page. */
export const UNAUTHORIZED_EVENT = 'onematter:unauthorized';

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  return request<T>(method, path, body !== undefined ? { text: JSON.stringify(body), type: 'application/json' } : undefined, headers);
}

/** Sends text as it is (a matter definition in YAML: `application/yaml`). */
export const postText = <T>(path: string, text: string, type: string) => request<T>('POST', path, { text, type });

async function request<T>(method: string, path: string, body: { text: string; type: string } | undefined, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': body.type } : {}),
      ...(csrfToken && method !== 'GET' ? { 'x-csrf-token': csrfToken } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: body.text } : {}),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!r.ok) {
    const p = (json ?? {}) as { detail?: string; errors?: FieldIssue[] };
    if (r.status === 401 && !path.endsWith('/auth/sign-in') && !path.endsWith('/auth/me')) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiError(r.status, p.detail ?? `HTTP ${r.status}`, p.errors ?? []);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) => api<T>('POST', path, body ?? {}, headers);

/** A GET that answers undefined where the route does not exist yet (404/405) instead of failing. */
export async function getIfPresent<T>(path: string): Promise<T | undefined> {
  try {
    return await get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501)) return undefined;
    throw e;
  }
}

/** A message for a person: the API's Chinese part first. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return `无权执行此操作：${e.detail}`;
    if (e.status === 409) return `当前状态不允许此操作：${e.detail}`;
    if (e.status === 404) return `未找到：${e.detail}`;
    if (e.status === 429) return e.detail;
    if (e.errors.length) return e.errors.map((x) => `${x.path}：${x.message}`).join('；');
    return e.detail;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Strips the English in parentheses that the catalogue's messages carry after the Chinese. */
export const chineseOnly = (m: string) => m.replace(/[（(][^（）()]*[a-zA-Z][^（）()]*[）)]\s*$/, '').trim() || m;
