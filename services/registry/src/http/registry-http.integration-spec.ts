import { registryHttpRequest } from '@portcullis/contracts';
import { organizationWithToken } from './testing/identity-fixtures';
import { platformAdmin, type RegistryHarness, startRegistry } from './testing/registry-harness';

describe('registry REST over the bus (real Postgres, NATS)', () => {
  let registry: RegistryHarness;

  beforeAll(async () => {
    registry = await startRegistry();
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('should serve a forwarded request through the registry’s own routes', async () => {
    const answer = await registry.api('GET', '/api/v1/organization');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json).toMatchObject({ slug: 'default' });
  });

  it('should serve its own HTTP port only to bearer tokens it issued, whatever other headers a client sends', async () => {
    for (const headers of [
      {},
      { 'x-portcullis-forwarded': 'guess' },
      { authorization: `Bearer pcl_${'x'.repeat(43)}` },
      { authorization: 'Bearer the-gateway-admin-token-is-not-known-here' },
    ]) {
      const response = await fetch(`${registry.httpUrl}/api/v1/organization`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const { token } = await organizationWithToken(registry, 'direct');
    const direct = await fetch(`${registry.httpUrl}/api/v1/organization`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(direct.status).toBe(200);
    expect(await direct.json()).toMatchObject({ slug: 'direct' });
    const change = await fetch(`${registry.httpUrl}/api/v1/teams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Night shift' }),
    });
    expect(change.status).toBe(201);
    expect((await fetch(`${registry.httpUrl}/health`)).status).toBe(200);
  });

  it('should answer 401 problem details without a caller, and 404 for unknown routes', async () => {
    const anonymous = await registry.api('GET', '/api/v1/users', { caller: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(anonymous.json).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect((await registry.api('GET', '/api/v1/no-such-thing')).status).toBe(404);
  });

  it('should answer 401 for a caller of an organisation that does not exist', async () => {
    expect((await registry.api('GET', '/api/v1/users', { caller: platformAdmin('no-such-org') })).status).toBe(401);
  });

  it('should name the field of bad input with 400, and reject invalid JSON with 400', async () => {
    const bad = await registry.api('POST', '/api/v1/users', { body: { email: 'not-an-email', name: '' } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body.email', 'body.name']),
    );
    const broken = await registry.api('POST', '/api/v1/teams', { headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    const notJson = await registry.running.parts.busClient.request(registryHttpRequest, {
      method: 'POST',
      url: '/api/v1/teams',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
      caller: platformAdmin(),
    });
    expect(notJson.status).toBe(400);
    expect(notJson.headers['content-type']).toMatch(/problem\+json/);
  });

  it('should page lists with an opaque cursor and refuse a forged one', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await registry.api('POST', '/api/v1/teams', { body: { name: `page-team-${i}` } })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await registry.api('GET', `/api/v1/teams?limit=2${query}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((t: { name: string }) => t.name));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen.filter((n) => n.startsWith('page-team-'))).toEqual([0, 1, 2, 3, 4].map((i) => `page-team-${i}`));
    const forged = await registry.api('GET', '/api/v1/teams?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(forged.json.errors[0].field).toBe('query.cursor');
    expect((await registry.api('GET', '/api/v1/teams?limit=0')).json.errors[0].field).toBe('query.limit');
  });
});
