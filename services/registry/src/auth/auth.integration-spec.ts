import type { RegistryCallerMessage } from '@portcullis/contracts';
import { callerOf, organizationWithToken } from '../http/testing/identity-fixtures';
import { type RegistryHarness, startRegistry } from '../http/testing/registry-harness';

describe('console sign-in (real Postgres, NATS)', () => {
  let registry: RegistryHarness;
  let acme: RegistryCallerMessage;
  let fay: string;
  const login = (email: string, password: string) =>
    registry.api('POST', '/api/v1/auth/login', { caller: null, body: { email, password } });

  beforeAll(async () => {
    registry = await startRegistry();
    acme = (await organizationWithToken(registry, 'acme')).caller;
    fay = (
      await registry.api('POST', '/api/v1/users', {
        caller: acme,
        body: { email: 'fay@acme.test', name: 'Fay', password: 'fay-first-password', roles: ['editor'] },
      })
    ).json.id;
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('should sign in with the right password and answer a session the gateway can verify', async () => {
    const session = await login('FAY@acme.test', 'fay-first-password');
    expect(session.status).toBe(200);
    expect(session.json).toMatchObject({ user: { id: fay, organization: 'acme' } });
    expect(session.json.token).toMatch(/^pcs_/);
    const caller = await callerOf(registry, session.json.token);
    expect(caller).toMatchObject({ actor: fay, tenant: 'acme', roles: ['editor'], credential: { type: 'session' } });
    const [row] = await registry.running.parts.database!.dataSource.query<{ password_hash: string }[]>(
      'SELECT password_hash FROM users WHERE id = $1',
      [fay],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('should refuse wrong passwords, unknown users and disabled users alike', async () => {
    for (const [email, password] of [
      ['fay@acme.test', 'wrong-password'],
      ['nobody@acme.test', 'fay-first-password'],
    ]) {
      const refused = await login(email, password);
      expect(refused.status).toBe(401);
      expect(refused.json.detail).toBe('The email or password is wrong.');
    }
    expect((await login('not-an-email', 'x')).json.errors[0].field).toBe('body.email');
    const hal = await registry.api('POST', '/api/v1/users', {
      caller: acme,
      body: { email: 'hal@acme.test', name: 'Hal', password: 'hal-password-123' },
    });
    expect((await login('hal@acme.test', 'hal-password-123')).status).toBe(200);
    await registry.api('PATCH', `/api/v1/users/${hal.json.id}`, { caller: acme, body: { disabled: true } });
    expect((await login('hal@acme.test', 'hal-password-123')).status).toBe(401);
  });

  it('should sign out, and end every session when the password changes', async () => {
    const first = (await login('fay@acme.test', 'fay-first-password')).json.token;
    const second = (await login('fay@acme.test', 'fay-first-password')).json.token;
    const out = await registry.api('POST', '/api/v1/auth/logout', { caller: await callerOf(registry, first) });
    expect(out.status).toBe(204);
    expect(await registry.verify(first)).toEqual({ valid: false, reason: 'revoked' });
    expect((await registry.verify(second)).valid).toBe(true);
    await registry.api('PATCH', `/api/v1/users/${fay}`, { caller: acme, body: { password: 'fay-second-password' } });
    expect(await registry.verify(second)).toEqual({ valid: false, reason: 'revoked' });
    expect((await login('fay@acme.test', 'fay-first-password')).status).toBe(401);
    expect((await login('fay@acme.test', 'fay-second-password')).status).toBe(200);
    const types = registry.events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['events.v1.registry.session.created', 'events.v1.registry.session.revoked']),
    );
    expect(JSON.stringify(registry.events)).not.toMatch(/pcs_|fay-(first|second)-password|argon2/);
  });

  it('should refuse to sign out an API token, and sign in no one without a password', async () => {
    expect((await registry.api('POST', '/api/v1/auth/logout', { caller: acme })).status).toBe(400);
    expect((await registry.api('POST', '/api/v1/auth/logout', { caller: null })).status).toBe(401);
    await registry.api('POST', '/api/v1/users', { caller: acme, body: { email: 'gil@acme.test', name: 'Gil' } });
    expect((await login('gil@acme.test', 'anything-at-all')).status).toBe(401);
  });

  it('should let sessions expire', async () => {
    const token = (await login('fay@acme.test', 'fay-second-password')).json.token;
    await registry.running.parts.database!.dataSource.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`,
    );
    expect(await registry.verify(token)).toEqual({ valid: false, reason: 'expired' });
  });
});
