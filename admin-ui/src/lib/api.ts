// The editor API client: JSON in and out, problem+json errors as ApiError,
// the Bearer access token on every call, and a silent refresh when the
// access token has expired. The refresh token is kept in localStorage so a
// session survives a reload. When the refresh fails too, the client asks
// for a sign-in (a dialog over the current screen, so nothing being edited
// is lost) and then retries the request that failed.

import type { Session } from './types';

/** One field's complaint in a 422 answer. */
export interface FieldError {
  field: string;
  message: string;
}

/** A problem+json answer (RFC 9457), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  /** Seconds to wait, from Retry-After (429, 503). */
  readonly retryAfter: number | null;
  readonly requestId: string | null;

  constructor(init: {
    status: number;
    type?: string;
    title?: string;
    detail?: string;
    errors?: FieldError[];
    retryAfter?: number | null;
    requestId?: string | null;
  }) {
    super(init.detail || init.title || `HTTP ${init.status}`);
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type ?? 'about:blank';
    this.title = init.title ?? '';
    this.detail = init.detail ?? '';
    this.errors = init.errors ?? [];
    this.retryAfter = init.retryAfter ?? null;
    this.requestId = init.requestId ?? null;
  }

  /** The message for one field, if the answer named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

/** parseRetryAfter reads Retry-After as seconds (delta or HTTP date). */
export function parseRetryAfter(v: string | null, now = Date.now()): number | null {
  if (!v) return null;
  const n = Number(v.trim());
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

/** toApiError turns a failed response into an ApiError, whatever its body. */
export async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  const requestId = res.headers.get('X-Request-Id');
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === 'object') {
    const p = body as Record<string, unknown>;
    const errors = Array.isArray(p.errors)
      ? p.errors
          .filter((e): e is FieldError => !!e && typeof e === 'object' && typeof e.field === 'string')
          .map((e) => ({ field: e.field, message: String(e.message ?? '') }))
      : [];
    return new ApiError({
      status: typeof p.status === 'number' ? p.status : res.status,
      type: typeof p.type === 'string' ? p.type : undefined,
      title: typeof p.title === 'string' ? p.title : res.statusText,
      detail: typeof p.detail === 'string' ? p.detail : '',
      errors,
      retryAfter,
      requestId: typeof p.request_id === 'string' ? p.request_id : requestId,
    });
  }
  return new ApiError({ status: res.status, title: res.statusText || `HTTP ${res.status}`, retryAfter, requestId });
}

/** What a call answers: the decoded body and the headers (ETag, Location). */
export interface ApiResponse<T> {
  status: number;
  data: T;
  headers: Headers;
  /** The ETag header, as sent (with its quotes), for If-Match. */
  etag: string | null;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Query parameters; empty, null and undefined values are left out. */
  query?: Record<string, string | number | boolean | null | undefined>;
  /** The ETag of the version this write is based on. */
  ifMatch?: string | null;
  /** false for the auth calls that need no token. Default true. */
  auth?: boolean;
  signal?: AbortSignal;
}

/** Where the tokens live between reloads. */
export interface TokenStore {
  load(): StoredTokens | null;
  save(t: StoredTokens | null): void;
}

export interface StoredTokens {
  access_token: string;
  refresh_token: string;
  /** ms since epoch after which the access token is stale. */
  expires_at: number;
  /**
   * The refresh token this client chose for its next refresh, stored
   * before the request goes out: when the answer is lost (a reload while
   * it was in flight), the next page sends the same exchange again rather
   * than the spent token alone, which would revoke the session.
   */
  next_refresh_token?: string;
}

/** randomToken draws 32 random bytes as base64url (43 characters). */
export function randomToken(): string {
  const b = new Uint8Array(32);
  crypto.getRandomValues(b);
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const STORAGE_KEY = 'healthcms.session';

/** localStorageTokens keeps the tokens in localStorage (shared by tabs). */
export const localStorageTokens: TokenStore = {
  load() {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      if (!raw) return null;
      const t = JSON.parse(raw) as StoredTokens;
      return t && typeof t.refresh_token === 'string' ? t : null;
    } catch {
      return null;
    }
  },
  save(t) {
    try {
      if (t) localStorage.setItem(STORAGE_KEY, JSON.stringify(t));
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Private mode or full storage: the session then lasts this tab only.
    }
  },
};

export interface ClientOptions {
  base?: string;
  fetch?: typeof fetch;
  tokens?: TokenStore;
  /** Serializes refreshes across tabs (Web Locks); optional. */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  now?: () => number;
}

/** A signed-in session changed: the user signed in, refreshed or out. */
export type SessionListener = (s: Session | null, reason: 'login' | 'refresh' | 'logout' | 'expired') => void;

export class Client {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly tokens: TokenStore;
  private readonly lock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  private readonly now: () => number;
  private refreshing: Promise<boolean> | null = null;
  private signingIn: Promise<void> | null = null;
  private signInHandler: (() => Promise<void>) | null = null;
  private listeners = new Set<SessionListener>();

  constructor(o: ClientOptions = {}) {
    this.base = o.base ?? '';
    this.fetchFn = o.fetch ?? ((input, init) => fetch(input, init));
    this.tokens = o.tokens ?? localStorageTokens;
    this.lock = o.lock ?? ((_name, fn) => fn());
    this.now = o.now ?? (() => Date.now());
  }

  /** hasSession says whether a refresh token is stored. */
  hasSession(): boolean {
    return this.tokens.load() !== null;
  }

  /**
   * onSignInNeeded sets what runs when the session cannot be refreshed: it
   * should show a sign-in dialog and resolve once signed in (reject if the
   * user gives up). Without one, the 401 is thrown.
   */
  onSignInNeeded(fn: (() => Promise<void>) | null): void {
    this.signInHandler = fn;
  }

  subscribe(fn: SessionListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(s: Session | null, reason: Parameters<SessionListener>[1]) {
    for (const l of this.listeners) l(s, reason);
  }

  private store(s: Session) {
    this.tokens.save({
      access_token: s.access_token,
      refresh_token: s.refresh_token,
      // A little early (20 s, or a quarter of a short lifetime), so a
      // token does not expire in flight.
      expires_at: this.now() + (s.expires_in - Math.min(20, s.expires_in / 4)) * 1000,
    });
  }

  /** login signs in and keeps the tokens. */
  async login(email: string, password: string): Promise<Session> {
    const res = await this.raw('POST', '/api/v1/auth/login', { body: { email, password }, auth: false });
    const s = res.data as Session;
    this.store(s);
    this.emit(s, 'login');
    return s;
  }

  /** logout revokes the refresh token's family and forgets the tokens. */
  async logout(): Promise<void> {
    const t = this.tokens.load();
    this.tokens.save(null);
    this.emit(null, 'logout');
    if (t) {
      try {
        await this.raw('POST', '/api/v1/auth/logout', { body: { refresh_token: t.refresh_token }, auth: false });
      } catch {
        // Signed out here either way; the token expires on its own.
      }
    }
  }

  /**
   * refresh trades the refresh token for a new pair. Concurrent callers
   * share one refresh (a refresh token can be spent once; presenting it
   * twice revokes the family). Across tabs, a lock serializes refreshes and
   * a tab that finds fresher tokens stored by another tab uses those.
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      const before = this.tokens.load();
      this.refreshing = this.lock('healthcms-refresh', async () => {
        const t = this.tokens.load();
        if (!t) return false;
        if (before && t.refresh_token !== before.refresh_token && t.expires_at > this.now()) {
          return true; // another tab refreshed while we waited
        }
        // The new refresh token is chosen and kept before asking, so a
        // lost answer is recoverable (see StoredTokens.next_refresh_token).
        let next = t.next_refresh_token;
        if (!next) {
          next = randomToken();
          this.tokens.save({ ...t, next_refresh_token: next });
        }
        try {
          const res = await this.raw('POST', '/api/v1/auth/refresh', {
            body: { refresh_token: t.refresh_token, next_refresh_token: next },
            auth: false,
          });
          const s = res.data as Session;
          this.store(s);
          this.emit(s, 'refresh');
          return true;
        } catch (e) {
          if (e instanceof ApiError && (e.status === 401 || e.status === 400 || e.status === 422)) {
            this.tokens.save(null);
            this.emit(null, 'expired');
            return false;
          }
          throw e; // network or server trouble: the session may still be good
        }
      }).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private signIn(): Promise<void> {
    if (!this.signInHandler) return Promise.reject(new ApiError({ status: 401, title: 'Unauthorized', detail: 'please sign in' }));
    if (!this.signingIn) {
      this.signingIn = this.signInHandler().finally(() => {
        this.signingIn = null;
      });
    }
    return this.signingIn;
  }

  /**
   * request calls the API. With auth (the default), an expired access
   * token is refreshed first, a 401 answer is refreshed and retried once,
   * and when no refresh works the sign-in handler runs and the request is
   * retried after it.
   */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    if (o.auth === false) return this.raw<T>(method, path, o);
    let t = this.tokens.load();
    if (t && t.expires_at <= this.now()) {
      if (await this.refresh()) t = this.tokens.load();
      else t = null;
    }
    if (t) {
      try {
        return await this.raw<T>(method, path, o, t.access_token);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 401) throw e;
        // A 401 with a token another tab already replaced: use the new one.
        const now = this.tokens.load();
        const retried = now && now.access_token !== t.access_token ? true : await this.refresh();
        if (retried) {
          const t2 = this.tokens.load();
          if (t2) {
            try {
              return await this.raw<T>(method, path, o, t2.access_token);
            } catch (e2) {
              if (!(e2 instanceof ApiError) || e2.status !== 401) throw e2;
            }
          }
        }
      }
    }
    await this.signIn();
    const t3 = this.tokens.load();
    return this.raw<T>(method, path, o, t3?.access_token);
  }

  get<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('GET', path, o);
  }
  post<T = unknown>(path: string, body?: unknown, o?: RequestOptions) {
    return this.request<T>('POST', path, { ...o, body });
  }
  put<T = unknown>(path: string, body?: unknown, o?: RequestOptions) {
    return this.request<T>('PUT', path, { ...o, body });
  }
  patch<T = unknown>(path: string, body?: unknown, o?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...o, body });
  }
  del<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('DELETE', path, o);
  }

  /** raw makes one call with the given token; no refresh, no retry. */
  async raw<T>(method: string, path: string, o: RequestOptions, token?: string): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers['Authorization'] = `Bearer ${token}`;
    if (o.ifMatch) headers['If-Match'] = o.ifMatch;
    let url = this.base + path;
    if (o.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(o.query)) {
        if (v === undefined || v === null || v === '' || v === false) continue;
        q.set(k, String(v));
      }
      const s = q.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: o.signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError({
        status: 0,
        type: '/problems/network',
        title: 'Network error',
        detail: 'the server could not be reached; check your connection and try again',
      });
    }
    if (!res.ok) throw await toApiError(res);
    let data: unknown = null;
    if (res.status !== 204) {
      const text = await res.text();
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        // A proxy's HTML page, say: not an answer of this API.
        throw new ApiError({
          status: res.status,
          type: '/problems/bad-answer',
          title: 'Unexpected answer',
          detail: 'the server answered something that is not JSON; try again',
          requestId: res.headers.get('X-Request-Id'),
        });
      }
    }
    return { status: res.status, data: data as T, headers: res.headers, etag: res.headers.get('ETag') };
  }
}

function webLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (!locks) return fn();
  return locks.request(name, fn) as Promise<T>;
}

/** api is the app's one client. */
export const api = new Client({ lock: webLock });

/** describeError says what went wrong in one sentence for the screen. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return e.detail;
    if (e.status === 429) {
      const wait = e.retryAfter != null ? ` Try again in ${formatWait(e.retryAfter)}.` : ' Try again later.';
      return `Too many attempts.${wait}`;
    }
    if (e.status === 503) return 'The database cannot be reached right now; nothing was changed. Try again shortly.';
    if (e.status >= 500) return `Something went wrong on the server${e.requestId ? ` (request ${e.requestId})` : ''}.`;
    const fields = e.errors.map((f) => `${f.field} ${f.message}`).join('; ');
    const base = e.detail || e.title || `Request failed (${e.status})`;
    const text = fields && !base.includes(fields) ? `${base}: ${fields}` : base;
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/** formatWait says a number of seconds in words. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}
