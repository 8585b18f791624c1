import { describe, expect, it } from 'vitest';
import { ApiError, Client, describeError, parseRetryAfter, toApiError, type StoredTokens, type TokenStore } from './api';

function memoryTokens(t: StoredTokens | null = null): TokenStore & { value: StoredTokens | null } {
  return {
    value: t,
    load() {
      return this.value;
    },
    save(v) {
      this.value = v;
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': type, ...headers },
  });
}

const session = (n: number) => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  token_type: 'Bearer',
  expires_in: 900,
  user: { id: 'u1', email: 'a@example.com', name: 'A', roles: ['writer'], credentials: '', disabled: false, created_at: '' },
});

/** A fake server: valid access tokens, refresh tokens spendable once. */
function fakeServer(valid: Set<string>) {
  let n = 1;
  const spent = new Set<string>();
  const calls: { url: string; auth: string | null; ifMatch: string | null; body: string | null }[] = [];
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const h = new Headers(init?.headers);
    calls.push({ url, auth: h.get('Authorization'), ifMatch: h.get('If-Match'), body: (init?.body as string) ?? null });
    await new Promise((r) => setTimeout(r, 1));
    if (url.endsWith('/api/v1/auth/refresh')) {
      const { refresh_token } = JSON.parse(String(init?.body));
      if (spent.has(refresh_token) || !refresh_token.startsWith('refresh-')) {
        return json(401, { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'spent' });
      }
      spent.add(refresh_token);
      n++;
      valid.add(`access-${n}`);
      return json(200, session(n));
    }
    const token = h.get('Authorization')?.replace('Bearer ', '') ?? '';
    if (!valid.has(token)) {
      return json(401, { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'token expired' }, { 'WWW-Authenticate': 'Bearer' });
    }
    return json(200, { ok: true, url }, { ETag: '"7"' });
  };
  return { fetchFn, calls, spent };
}

describe('toApiError', () => {
  it('reads a problem document with field errors', async () => {
    const e = await toApiError(
      json(
        422,
        { type: '/problems/validation', title: 'Invalid request', status: 422, detail: 'title must not be empty', errors: [{ field: 'title', message: 'must not be empty' }], request_id: 'r1' },
      ),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(422);
    expect(e.type).toBe('/problems/validation');
    expect(e.detail).toBe('title must not be empty');
    expect(e.fieldMessage('title')).toBe('must not be empty');
    expect(e.requestId).toBe('r1');
  });

  it('reads Retry-After on a 429', async () => {
    const e = await toApiError(json(429, { type: '/problems/rate-limited', title: 'Too many requests', status: 429 }, { 'Retry-After': '42' }));
    expect(e.retryAfter).toBe(42);
    expect(describeError(e)).toContain('42 seconds');
  });

  it('copes with a body that is not JSON', async () => {
    const e = await toApiError(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(e.status).toBe(502);
    expect(e.errors).toEqual([]);
  });

  it('parses Retry-After as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('Client', () => {
  it('sends the token and If-Match and returns the ETag', async () => {
    const srv = fakeServer(new Set(['access-1']));
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'refresh-1', expires_at: Date.now() + 60_000 });
    const c = new Client({ fetch: srv.fetchFn, tokens });
    const res = await c.put('/api/v1/editor/articles/a', { title: 'x' }, { ifMatch: '"6"' });
    expect(res.etag).toBe('"7"');
    expect(srv.calls[0].auth).toBe('Bearer access-1');
    expect(srv.calls[0].ifMatch).toBe('"6"');
  });

  it('leaves out empty query parameters', async () => {
    const srv = fakeServer(new Set(['access-1']));
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'refresh-1', expires_at: Date.now() + 60_000 });
    const c = new Client({ fetch: srv.fetchFn, tokens });
    await c.get('/x', { query: { state: 'draft', topic: '', q: null, mine: false, limit: 20 } });
    expect(srv.calls[0].url).toBe('/x?state=draft&limit=20');
  });

  it('shares one refresh between concurrent 401s and retries each', async () => {
    const srv = fakeServer(new Set()); // access-1 is no longer valid
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'refresh-1', expires_at: Date.now() + 60_000 });
    const c = new Client({ fetch: srv.fetchFn, tokens });
    const results = await Promise.all([c.get('/a'), c.get('/b'), c.get('/c')]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const refreshes = srv.calls.filter((x) => x.url.endsWith('/auth/refresh'));
    expect(refreshes).toHaveLength(1);
    expect(tokens.value?.refresh_token).toBe('refresh-2');
  });

  it('refreshes before calling when the stored token is stale', async () => {
    const srv = fakeServer(new Set());
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'refresh-1', expires_at: Date.now() - 1 });
    const c = new Client({ fetch: srv.fetchFn, tokens });
    await c.get('/a');
    expect(srv.calls.map((x) => x.url)).toEqual(['/api/v1/auth/refresh', '/a']);
    expect(srv.calls[1].auth).toBe('Bearer access-2');
  });

  it('asks for a sign-in when the refresh fails, then retries the request', async () => {
    const valid = new Set<string>();
    const srv = fakeServer(valid);
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'spent-token', expires_at: Date.now() + 60_000 });
    const c = new Client({ fetch: srv.fetchFn, tokens });
    let asked = 0;
    c.onSignInNeeded(async () => {
      asked++;
      tokens.save({ access_token: 'access-9', refresh_token: 'refresh-9', expires_at: Date.now() + 60_000 });
      valid.add('access-9');
    });
    const [a, b] = await Promise.all([c.put('/save', { body: 'typed text' }), c.get('/other')]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(asked).toBe(1);
    const retried = srv.calls.filter((x) => x.url === '/save');
    expect(retried.at(-1)?.auth).toBe('Bearer access-9');
    expect(retried.at(-1)?.body).toBe(JSON.stringify({ body: 'typed text' }));
  });

  it('throws the 401 when there is no way to sign in', async () => {
    const srv = fakeServer(new Set());
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'nope', expires_at: Date.now() + 60_000 });
    const c = new Client({ fetch: srv.fetchFn, tokens });
    await expect(c.get('/a')).rejects.toMatchObject({ status: 401 });
    expect(tokens.value).toBeNull();
  });

  it('uses tokens another tab stored instead of spending the refresh token twice', async () => {
    const valid = new Set<string>();
    const srv = fakeServer(valid);
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'refresh-1', expires_at: Date.now() + 60_000 });
    // The lock is held by "another tab", which refreshes meanwhile.
    const lock = async <T,>(_n: string, fn: () => Promise<T>) => {
      tokens.save({ access_token: 'access-5', refresh_token: 'refresh-5', expires_at: Date.now() + 60_000 });
      valid.add('access-5');
      return fn();
    };
    const c = new Client({ fetch: srv.fetchFn, tokens, lock });
    const res = await c.get('/a');
    expect(res.status).toBe(200);
    expect(srv.calls.some((x) => x.url.endsWith('/auth/refresh'))).toBe(false);
    expect(srv.calls.at(-1)?.auth).toBe('Bearer access-5');
  });

  it('keeps its chosen next refresh token before asking and sends the same exchange after a lost answer', async () => {
    const tokens = memoryTokens({ access_token: 'access-1', refresh_token: 'refresh-1', expires_at: Date.now() - 1 });
    const bodies: { refresh_token: string; next_refresh_token?: string }[] = [];
    let storedWhenAsked: StoredTokens | null = null;
    let lose = true;
    const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (String(input).endsWith('/auth/refresh')) {
        bodies.push(JSON.parse(String(init?.body)));
        storedWhenAsked ??= { ...tokens.value! };
        if (lose) {
          lose = false;
          throw new TypeError('Failed to fetch'); // the answer never arrives
        }
        return json(200, { ...session(2), refresh_token: bodies.at(-1)!.next_refresh_token });
      }
      return json(200, { ok: true });
    };
    const c = new Client({ fetch: fetchFn, tokens });
    await expect(c.get('/a')).rejects.toMatchObject({ status: 0 });
    const next = bodies[0].next_refresh_token!;
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(storedWhenAsked!.next_refresh_token).toBe(next);
    expect(tokens.value?.refresh_token).toBe('refresh-1');
    // As a reloaded page would: the same exchange again.
    const again = new Client({ fetch: fetchFn, tokens });
    expect((await again.get('/a')).status).toBe(200);
    expect(bodies[1]).toEqual({ refresh_token: 'refresh-1', next_refresh_token: next });
    expect(tokens.value).toMatchObject({ refresh_token: next, access_token: 'access-2' });
    expect(tokens.value?.next_refresh_token).toBeUndefined();
  });

  it('turns a network failure into status 0', async () => {
    const c = new Client({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
      tokens: memoryTokens(),
    });
    await expect(c.get('/a', { auth: false })).rejects.toMatchObject({ status: 0 });
  });
});

describe('Client answers', () => {
  it('turns a 200 that is not JSON into an ApiError', async () => {
    const c = new Client({
      fetch: async () => new Response('<html>login portal</html>', { status: 200 }),
      tokens: memoryTokens(),
    });
    await expect(c.get('/a', { auth: false })).rejects.toBeInstanceOf(ApiError);
  });
});
