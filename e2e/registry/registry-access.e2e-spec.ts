import { eventually, httpJson, startPlatform, type TestPlatform } from '@portcullis/testing';

/** The fields of the API's answers this test reads. */
interface ApiJson {
  id: string;
  token: string;
  actor: string;
  permissions: string[];
  items: { email: string }[];
  openapi: string;
  paths: Record<string, unknown>;
}

/** Identities and access as a user meets them: through the gateway's public port, registry behind the bus. */
describe('registry identities and access (gateway + registry)', () => {
  let platform: TestPlatform;

  const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
    httpJson<ApiJson>(`${platform.url('gateway')}${path}`, {
      method,
      token,
      timeoutMs: 20_000,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });

  beforeAll(async () => {
    platform = await startPlatform({ only: ['gateway', 'registry'] });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('should let an admin create a member and a token, enforce RBAC on it, and refuse it once revoked', async () => {
    const admin = platform.adminToken;
    const created = await api('POST', '/api/v1/users', admin, {
      email: 'mia@example.com',
      name: 'Mia Member',
      password: 'correct horse battery',
      roles: ['member'],
    });
    expect(created.status).toBe(201);
    const mia = created.body.id;
    const issued = await api('POST', '/api/v1/tokens', admin, {
      name: 'mia laptop',
      scope: { type: 'user', userId: mia },
    });
    expect(issued.status).toBe(201);
    const token = issued.body.token;
    expect(token).toMatch(/^pcl_/);
    expect((await api('GET', `/api/v1/tokens/${issued.body.id}`, admin)).body).not.toHaveProperty('token');

    // What a member may do, and what not.
    const me = await api('GET', '/api/v1/auth/me', token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ actor: mia, tenant: 'default', roles: ['member'] });
    expect(me.body.permissions).toContain('users:read');
    const users = await api('GET', '/api/v1/users', token);
    expect(users.status).toBe(200);
    expect(users.body.items.map((u: { email: string }) => u.email)).toContain('mia@example.com');
    for (const [method, path] of [
      ['POST', '/api/v1/users'],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/roles'],
      ['GET', '/api/v1/audit/events'],
    ]) {
      const refused = await api(method, path, token, method === 'POST' ? { name: 'x' } : undefined);
      expect({ method, path, status: refused.status }).toEqual({ method, path, status: 403 });
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

    // Revoked: refused within 2 s although the gateway had just verified (and cached, for 5 s) the token: the
    // token.revoked event cleared its cache.
    expect((await api('GET', '/api/v1/users', token)).status).toBe(200);
    expect((await api('DELETE', `/api/v1/tokens/${issued.body.id}`, admin)).status).toBe(204);
    expect(await eventually(async () => (await api('GET', '/api/v1/users', token)).status === 401, 2_000, 50)).toBe(
      true,
    );
    const refused = await api('GET', '/api/v1/auth/me', token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('should sign a user in to the console and out again', async () => {
    const login = await api('POST', '/api/v1/auth/login', undefined, {
      email: 'mia@example.com',
      password: 'correct horse battery',
    });
    expect(login.status).toBe(200);
    const session = login.body.token;
    expect(session).toMatch(/^pcs_/);
    expect((await api('GET', '/api/v1/organization', session)).body).toMatchObject({ slug: 'default' });
    expect((await api('POST', '/api/v1/auth/logout', session)).status).toBe(204);
    const signedOut = async () => (await api('GET', '/api/v1/organization', session)).status === 401;
    expect(await eventually(signedOut, 2_000, 50)).toBe(true);
    const wrong = await api('POST', '/api/v1/auth/login', undefined, { email: 'mia@example.com', password: 'nope' });
    expect(wrong.status).toBe(401);
  });

  it('should make audit:read an ordinary permission a custom role can hold', async () => {
    const admin = platform.adminToken;
    const role = await api('POST', '/api/v1/roles', admin, { name: 'auditor', permissions: ['audit:read'] });
    expect(role.status).toBe(201);
    const issued = await api('POST', '/api/v1/tokens', admin, {
      name: 'siem',
      scope: { type: 'organization' },
      roles: ['auditor'],
    });
    expect(issued.status).toBe(201);
    // The audit service is not running here: permission granted means the gateway went on to ask it (503).
    const read = await api('GET', '/api/v1/audit/events', issued.body.token);
    expect(read.status).not.toBe(403);
    expect(read.status).not.toBe(401);
    expect((await api('POST', '/api/v1/audit/verify', issued.body.token, {})).status).toBe(403);
  });

  it('should serve the OpenAPI document to anyone', async () => {
    const doc = await api('GET', '/api/v1/openapi.json', undefined);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/users/{userId}');
  });

  it('should answer 503 problem details within the timeout while the registry is down', async () => {
    const registry = platform.services.get('registry')!;
    registry.kill('SIGKILL');
    await registry.exited;
    const started = Date.now();
    const down = await api('GET', '/api/v1/users', platform.adminToken);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Date.now() - started).toBeLessThan(11_000);
    // A token the gateway has not seen cannot be checked: 503, not a 401 that would log the user out.
    const unverifiable = await api('GET', '/api/v1/users', `pcl_${'A'.repeat(43)}`);
    expect(unverifiable.status).toBe(503);
    expect(unverifiable.headers.get('retry-after')).toBe('5');
    // The admin token does not need the registry: the gateway's own routes keep working.
    expect((await api('GET', '/api/v1/auth/me', platform.adminToken)).status).toBe(200);
  });
});
