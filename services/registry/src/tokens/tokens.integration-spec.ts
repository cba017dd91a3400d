import type { RegistryCallerMessage } from '@portcullis/contracts';
import { callerOf, organizationWithToken } from '../http/testing/identity-fixtures';
import { type RegistryHarness, startRegistry } from '../http/testing/registry-harness';

describe('API tokens (real Postgres, NATS)', () => {
  let registry: RegistryHarness;
  let acme: RegistryCallerMessage;
  let rival: RegistryCallerMessage;
  let member: RegistryCallerMessage;
  let memberToken: string;
  let dora: string;
  let team: string;
  const sql = (text: string, params: unknown[] = []) =>
    registry.running.parts.database!.dataSource.query<Record<string, unknown>[]>(text, params);

  beforeAll(async () => {
    registry = await startRegistry();
    acme = (await organizationWithToken(registry, 'acme')).caller;
    rival = (await organizationWithToken(registry, 'rival')).caller;
    dora = (
      await registry.api('POST', '/api/v1/users', {
        caller: acme,
        body: { email: 'dora@acme.test', name: 'Dora', roles: ['member'] },
      })
    ).json.id;
    team = (await registry.api('POST', '/api/v1/teams', { caller: acme, body: { name: 'Ops' } })).json.id;
    const issued = await registry.api('POST', '/api/v1/tokens', {
      caller: acme,
      body: { name: 'dora cli', scope: { type: 'user', userId: dora } },
    });
    memberToken = issued.json.token;
    member = await callerOf(registry, memberToken);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('should show a new token once, prefixed, and keep only its SHA-256', async () => {
    const issued = await registry.api('POST', '/api/v1/tokens', {
      caller: acme,
      body: { name: 'ci', scope: { type: 'team', teamId: team }, roles: ['editor'] },
    });
    expect(issued.status).toBe(201);
    const token = issued.json.token;
    expect(token).toMatch(/^pcl_[A-Za-z0-9_-]{43}$/);
    expect(issued.json).toMatchObject({
      prefix: token.slice(0, 12),
      scope: { type: 'team', id: team },
      roles: ['editor'],
    });
    const shown = await registry.api('GET', `/api/v1/tokens/${issued.json.id}`, { caller: acme });
    expect(shown.json).not.toHaveProperty('token');
    expect(shown.body).not.toContain(token);
    const listed = await registry.api('GET', '/api/v1/tokens?limit=200', { caller: acme });
    expect(listed.body).not.toContain(token);
    const [row] = await sql(`SELECT encode(token_hash, 'hex') AS hash FROM api_tokens WHERE id = $1`, [issued.json.id]);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await sql('SELECT * FROM api_tokens'))).not.toContain(token.slice(12));
    const verdict = await registry.verify(token);
    expect(verdict).toMatchObject({
      valid: true,
      caller: { actor: `token:${issued.json.id}`, tenant: 'acme', roles: ['editor'], credential: { type: 'token' } },
    });
    expect(verdict.valid && verdict.caller.permissions).toContain('catalog:*');
  });

  it('should let a user token act with its user’s current roles', async () => {
    expect(member).toMatchObject({ actor: dora, tenant: 'acme', roles: ['member'] });
    expect(member.permissions).toContain('users:read');
    expect(member.permissions).not.toContain('*:*');
    expect((await registry.api('PUT', `/api/v1/users/${dora}/roles/editor`, { caller: acme })).status).toBe(204);
    const promoted = await callerOf(registry, memberToken);
    expect(promoted.roles).toEqual(['editor', 'member']);
    expect(promoted.permissions).toContain('catalog:*');
    const tokens = await registry.api('GET', '/api/v1/tokens?revoked=false', { caller: acme });
    const doraToken = tokens.json.items.find((t: { name: string }) => t.name === 'dora cli');
    expect(doraToken?.scope).toEqual({ type: 'user', id: dora });
    await registry.api('DELETE', `/api/v1/users/${dora}/roles/editor`, { caller: acme });
    expect((await callerOf(registry, memberToken)).permissions).not.toContain('catalog:*');
  });

  it('should refuse revoked, expired, unknown tokens and tokens of disabled users', async () => {
    const issue = async (body: object) =>
      (await registry.api('POST', '/api/v1/tokens', { caller: acme, body: { name: 't', ...body } })).json;
    const revoked = await issue({ scope: { type: 'organization' } });
    expect((await registry.api('DELETE', `/api/v1/tokens/${revoked.id}`, { caller: acme })).status).toBe(204);
    expect((await registry.api('DELETE', `/api/v1/tokens/${revoked.id}`, { caller: acme })).status).toBe(204);
    expect(await registry.verify(revoked.token)).toEqual({ valid: false, reason: 'revoked' });
    const revokedList = await registry.api('GET', '/api/v1/tokens?revoked=true', { caller: acme });
    expect(revokedList.json.items.map((t: { id: string }) => t.id)).toEqual([revoked.id]);
    expect(registry.events.filter((e) => e.type === 'events.v1.registry.token.revoked')).toHaveLength(1);

    const expiring = await issue({
      scope: { type: 'organization' },
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((await registry.verify(expiring.token)).valid).toBe(true);
    await sql(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
    expect(await registry.verify(expiring.token)).toEqual({ valid: false, reason: 'expired' });

    expect(await registry.verify(`pcl_${'x'.repeat(43)}`)).toEqual({ valid: false, reason: 'unknown' });
    expect(await registry.verify('something-else')).toEqual({ valid: false, reason: 'unknown' });

    const carl = (
      await registry.api('POST', '/api/v1/users', { caller: acme, body: { email: 'carl@acme.test', name: 'Carl' } })
    ).json.id;
    const carlToken = await issue({ scope: { type: 'user', userId: carl } });
    expect((await registry.verify(carlToken.token)).valid).toBe(true);
    await registry.api('PATCH', `/api/v1/users/${carl}`, { caller: acme, body: { disabled: true } });
    expect(await registry.verify(carlToken.token)).toEqual({ valid: false, reason: 'revoked' });
  });

  it('should check token requests: no grant beyond the creator’s, no roles on user tokens, no past expiry', async () => {
    const tokenAdmin = { ...acme, roles: ['x'], permissions: ['tokens:*', 'users:read'] };
    const tooMuch = await registry.api('POST', '/api/v1/tokens', {
      caller: tokenAdmin,
      body: { name: 'root', scope: { type: 'organization' }, roles: ['admin'] },
    });
    expect(tooMuch.status).toBe(403);
    const userRoles = await registry.api('POST', '/api/v1/tokens', {
      caller: acme,
      body: { name: 'x', scope: { type: 'user', userId: dora }, roles: ['admin'] },
    });
    expect(userRoles.json.errors[0].field).toBe('body.roles');
    const past = await registry.api('POST', '/api/v1/tokens', {
      caller: acme,
      body: { name: 'x', scope: { type: 'organization' }, expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(past.json.errors[0].field).toBe('body.expiresAt');
    const badScope = await registry.api('POST', '/api/v1/tokens', {
      caller: acme,
      body: { name: 'x', scope: { type: 'planet' } },
    });
    expect(badScope.json.errors[0].field).toBe('body.scope.type');
  });

  it('should keep tokens to their organisation', async () => {
    const acmeToken = (await registry.api('GET', '/api/v1/tokens', { caller: acme })).json.items[0];
    expect((await registry.api('GET', `/api/v1/tokens/${acmeToken.id}`, { caller: rival })).status).toBe(404);
    expect((await registry.api('DELETE', `/api/v1/tokens/${acmeToken.id}`, { caller: rival })).status).toBe(404);
    const rivalList = await registry.api('GET', '/api/v1/tokens?limit=200', { caller: rival });
    expect(rivalList.json.items.map((t: { id: string }) => t.id)).not.toContain(acmeToken.id);
    for (const scope of [
      { type: 'user', userId: dora },
      { type: 'team', teamId: team },
    ]) {
      expect((await registry.api('POST', '/api/v1/tokens', { caller: rival, body: { name: 'x', scope } })).status).toBe(
        404,
      );
    }
    expect((await registry.verify(acmeToken.prefix)).valid).toBe(false);
  });

  it('should give a member 403 on every token route', async () => {
    expect((await registry.api('GET', '/api/v1/tokens', { caller: member })).status).toBe(403);
    expect(
      (
        await registry.api('POST', '/api/v1/tokens', {
          caller: member,
          body: { name: 'x', scope: { type: 'organization' } },
        })
      ).status,
    ).toBe(403);
    const any = (await registry.api('GET', '/api/v1/tokens', { caller: acme })).json.items[0].id;
    expect((await registry.api('GET', `/api/v1/tokens/${any}`, { caller: member })).status).toBe(403);
    expect((await registry.api('DELETE', `/api/v1/tokens/${any}`, { caller: member })).status).toBe(403);
  });
});
