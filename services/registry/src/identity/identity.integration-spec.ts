import type { RegistryCallerMessage } from '@portcullis/contracts';
import { organizationWithToken } from '../http/testing/identity-fixtures';
import { type RegistryHarness, startRegistry } from '../http/testing/registry-harness';

describe('identities: organisations, users, teams, roles (real Postgres, NATS)', () => {
  let registry: RegistryHarness;
  let acme: RegistryCallerMessage;
  let acmeMember: RegistryCallerMessage;
  let rival: RegistryCallerMessage;

  beforeAll(async () => {
    registry = await startRegistry();
    acme = (await organizationWithToken(registry, 'acme')).caller;
    acmeMember = (await organizationWithToken(registry, 'acme-members', ['member'])).caller;
    rival = (await organizationWithToken(registry, 'rival')).caller;
  });

  afterAll(async () => {
    await registry?.stop();
  });

  describe('organisations', () => {
    it('should let only the platform operator create and list organisations', async () => {
      const created = await registry.api('POST', '/api/v1/organizations', {
        body: {
          slug: 'globex',
          name: 'Globex',
          admin: { email: 'hank@globex.test', name: 'Hank', password: 'globex-admin-pw' },
        },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ slug: 'globex', name: 'Globex' });
      expect(
        (await registry.api('POST', '/api/v1/organizations', { body: { slug: 'globex', name: 'Again' } })).status,
      ).toBe(409);
      expect(
        (await registry.api('POST', '/api/v1/organizations', { body: { slug: 'Bad Slug', name: 'x' } })).json.errors[0]
          .field,
      ).toBe('body.slug');
      const all = await registry.api('GET', '/api/v1/organizations?limit=200');
      expect(all.json.items.map((o: { slug: string }) => o.slug)).toEqual(
        expect.arrayContaining(['default', 'acme', 'globex']),
      );
      // An organisation's own admin (*:*) is not the platform operator.
      expect((await registry.api('GET', '/api/v1/organizations', { caller: acme })).status).toBe(403);
      expect(
        (await registry.api('POST', '/api/v1/organizations', { caller: acme, body: { slug: 'x', name: 'x' } })).status,
      ).toBe(403);
    });

    it('should show and rename only the caller’s own organisation', async () => {
      expect((await registry.api('GET', '/api/v1/organization', { caller: acme })).json.slug).toBe('acme');
      expect((await registry.api('GET', '/api/v1/organization', { caller: acmeMember })).json.slug).toBe(
        'acme-members',
      );
      const renamed = await registry.api('PATCH', '/api/v1/organization', {
        caller: acme,
        body: { name: 'Acme Inc.' },
      });
      expect(renamed.json).toMatchObject({ slug: 'acme', name: 'Acme Inc.' });
      expect((await registry.api('GET', '/api/v1/organization', { caller: rival })).json.name).toBe('Org rival');
      expect(
        (await registry.api('PATCH', '/api/v1/organization', { caller: acmeMember, body: { name: 'Mine' } })).status,
      ).toBe(403);
    });
  });

  describe('users', () => {
    let ana: string;

    it('should create, read, list, change and delete users, never showing a password hash', async () => {
      const created = await registry.api('POST', '/api/v1/users', {
        caller: acme,
        body: { email: 'Ana@Acme.test', name: 'Ana', password: 'ana-password-1', roles: ['editor'] },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ email: 'Ana@Acme.test', name: 'Ana', roles: ['editor'], disabled: false });
      expect(created.body).not.toMatch(/argon2|password/i);
      ana = created.json.id;
      expect(
        (await registry.api('POST', '/api/v1/users', { caller: acme, body: { email: 'ana@acme.test', name: 'Twin' } }))
          .status,
      ).toBe(409);
      expect((await registry.api('GET', `/api/v1/users/${ana}`, { caller: acme })).json.name).toBe('Ana');
      const found = await registry.api('GET', '/api/v1/users?email=ANA@acme.test', { caller: acme });
      expect(found.json.items.map((u: { id: string }) => u.id)).toEqual([ana]);
      const changed = await registry.api('PATCH', `/api/v1/users/${ana}`, {
        caller: acme,
        body: { name: 'Ana B.', disabled: true },
      });
      expect(changed.json).toMatchObject({ name: 'Ana B.', disabled: true });
      expect((await registry.api('PATCH', `/api/v1/users/${ana}`, { caller: acme, body: {} })).status).toBe(400);
      expect(
        (await registry.api('PATCH', `/api/v1/users/${ana}`, { caller: acme, body: { password: 'short' } })).json
          .errors[0].field,
      ).toBe('body.password');
      const extra = await registry.api('POST', '/api/v1/users', {
        caller: acme,
        body: { email: 'gone@acme.test', name: 'Gone' },
      });
      expect((await registry.api('DELETE', `/api/v1/users/${extra.json.id}`, { caller: acme })).status).toBe(204);
      expect((await registry.api('GET', `/api/v1/users/${extra.json.id}`, { caller: acme })).status).toBe(404);
    });

    it('should refuse roles the caller cannot grant and roles that do not exist', async () => {
      const editor = await registry.api('POST', '/api/v1/roles', {
        caller: acme,
        body: { name: 'user-admin', permissions: ['users:*', 'roles:write'] },
      });
      expect(editor.status).toBe(201);
      const limited = { ...acme, roles: ['user-admin'], permissions: ['users:*', 'roles:write'] };
      expect(
        (
          await registry.api('POST', '/api/v1/users', {
            caller: limited,
            body: { email: 'x@acme.test', name: 'X', roles: ['admin'] },
          })
        ).status,
      ).toBe(403);
      const unknown = await registry.api('POST', '/api/v1/users', {
        caller: acme,
        body: { email: 'y@acme.test', name: 'Y', roles: ['ghost'] },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.json.errors[0].field).toBe('body.roles');
    });

    it('should assign and unassign roles', async () => {
      expect((await registry.api('PUT', `/api/v1/users/${ana}/roles/member`, { caller: acme })).status).toBe(204);
      expect((await registry.api('GET', `/api/v1/users/${ana}`, { caller: acme })).json.roles).toEqual([
        'editor',
        'member',
      ]);
      expect((await registry.api('DELETE', `/api/v1/users/${ana}/roles/editor`, { caller: acme })).status).toBe(204);
      expect((await registry.api('DELETE', `/api/v1/users/${ana}/roles/editor`, { caller: acme })).status).toBe(404);
      expect((await registry.api('PUT', `/api/v1/users/${ana}/roles/ghost`, { caller: acme })).status).toBe(404);
      expect((await registry.api('GET', `/api/v1/users/${ana}`, { caller: acme })).json.roles).toEqual(['member']);
    });

    it('should keep users invisible and untouchable to another organisation', async () => {
      expect((await registry.api('GET', `/api/v1/users/${ana}`, { caller: rival })).status).toBe(404);
      expect(
        (await registry.api('PATCH', `/api/v1/users/${ana}`, { caller: rival, body: { name: 'Hacked' } })).status,
      ).toBe(404);
      expect((await registry.api('DELETE', `/api/v1/users/${ana}`, { caller: rival })).status).toBe(404);
      expect((await registry.api('PUT', `/api/v1/users/${ana}/roles/admin`, { caller: rival })).status).toBe(404);
      expect((await registry.api('DELETE', `/api/v1/users/${ana}/roles/member`, { caller: rival })).status).toBe(404);
      const listed = await registry.api('GET', '/api/v1/users?limit=200', { caller: rival });
      expect(listed.json.items.map((u: { id: string }) => u.id)).not.toContain(ana);
      expect((await registry.api('GET', `/api/v1/users/${ana}`, { caller: acme })).json.name).toBe('Ana B.');
    });

    it('should give a member read access and 403 on every change', async () => {
      expect((await registry.api('GET', '/api/v1/users', { caller: acmeMember })).status).toBe(200);
      expect(
        (await registry.api('POST', '/api/v1/users', { caller: acmeMember, body: { email: 'm@x.test', name: 'M' } }))
          .status,
      ).toBe(403);
      expect(
        (await registry.api('PATCH', `/api/v1/users/${ana}`, { caller: acmeMember, body: { name: 'x' } })).status,
      ).toBe(403);
      expect((await registry.api('DELETE', `/api/v1/users/${ana}`, { caller: acmeMember })).status).toBe(403);
      expect((await registry.api('PUT', `/api/v1/users/${ana}/roles/admin`, { caller: acmeMember })).status).toBe(403);
    });
  });

  describe('teams', () => {
    let team: string;
    let bob: string;

    it('should create, read, rename, fill, empty and delete teams', async () => {
      bob = (
        await registry.api('POST', '/api/v1/users', { caller: acme, body: { email: 'bob@acme.test', name: 'Bob' } })
      ).json.id;
      const created = await registry.api('POST', '/api/v1/teams', { caller: acme, body: { name: 'Platform' } });
      expect(created.status).toBe(201);
      team = created.json.id;
      expect((await registry.api('POST', '/api/v1/teams', { caller: acme, body: { name: 'Platform' } })).status).toBe(
        409,
      );
      expect((await registry.api('PUT', `/api/v1/teams/${team}/members/${bob}`, { caller: acme })).status).toBe(204);
      expect((await registry.api('GET', `/api/v1/teams/${team}`, { caller: acme })).json.members).toEqual([bob]);
      const renamed = await registry.api('PATCH', `/api/v1/teams/${team}`, {
        caller: acme,
        body: { description: 'Runs things' },
      });
      expect(renamed.json).toMatchObject({ name: 'Platform', description: 'Runs things' });
      expect((await registry.api('DELETE', `/api/v1/teams/${team}/members/${bob}`, { caller: acme })).status).toBe(204);
      expect((await registry.api('DELETE', `/api/v1/teams/${team}/members/${bob}`, { caller: acme })).status).toBe(404);
      const doomed = await registry.api('POST', '/api/v1/teams', { caller: acme, body: { name: 'Doomed' } });
      expect((await registry.api('DELETE', `/api/v1/teams/${doomed.json.id}`, { caller: acme })).status).toBe(204);
      expect((await registry.api('GET', `/api/v1/teams/${doomed.json.id}`, { caller: acme })).status).toBe(404);
    });

    it('should keep teams and memberships to their organisation', async () => {
      const rivalUser = (
        await registry.api('POST', '/api/v1/users', { caller: rival, body: { email: 'eve@rival.test', name: 'Eve' } })
      ).json.id;
      expect((await registry.api('GET', `/api/v1/teams/${team}`, { caller: rival })).status).toBe(404);
      expect(
        (await registry.api('PATCH', `/api/v1/teams/${team}`, { caller: rival, body: { name: 'Mine' } })).status,
      ).toBe(404);
      expect((await registry.api('DELETE', `/api/v1/teams/${team}`, { caller: rival })).status).toBe(404);
      expect((await registry.api('PUT', `/api/v1/teams/${team}/members/${rivalUser}`, { caller: rival })).status).toBe(
        404,
      );
      expect((await registry.api('DELETE', `/api/v1/teams/${team}/members/${bob}`, { caller: rival })).status).toBe(
        404,
      );
      // Nor can acme put a user of another organisation into its team.
      expect((await registry.api('PUT', `/api/v1/teams/${team}/members/${rivalUser}`, { caller: acme })).status).toBe(
        404,
      );
      expect((await registry.api('GET', '/api/v1/teams', { caller: rival })).json.items).toEqual([]);
      expect((await registry.api('POST', '/api/v1/teams', { caller: acmeMember, body: { name: 'x' } })).status).toBe(
        403,
      );
      expect((await registry.api('DELETE', `/api/v1/teams/${team}`, { caller: acmeMember })).status).toBe(403);
    });
  });

  describe('roles', () => {
    it('should list built-in and custom roles, and change and delete custom ones only', async () => {
      const created = await registry.api('POST', '/api/v1/roles', {
        caller: acme,
        body: { name: 'auditor', permissions: ['audit:read', 'audit:read'] },
      });
      expect(created.json).toEqual({ name: 'auditor', description: '', permissions: ['audit:read'], builtIn: false });
      expect(
        (await registry.api('POST', '/api/v1/roles', { caller: acme, body: { name: 'admin', permissions: ['x:y'] } }))
          .status,
      ).toBe(409);
      expect(
        (await registry.api('POST', '/api/v1/roles', { caller: acme, body: { name: 'bad', permissions: ['nope'] } }))
          .json.errors[0].field,
      ).toBe('body.permissions.0');
      const page1 = await registry.api('GET', '/api/v1/roles?limit=2', { caller: acme });
      const page2 = await registry.api('GET', `/api/v1/roles?limit=10&cursor=${page1.json.nextCursor}`, {
        caller: acme,
      });
      expect([...page1.json.items, ...page2.json.items].map((r: { name: string }) => r.name)).toEqual([
        'admin',
        'auditor',
        'editor',
        'member',
        'user-admin',
      ]);
      expect((await registry.api('GET', '/api/v1/roles/member', { caller: acme })).json.builtIn).toBe(true);
      const changed = await registry.api('PATCH', '/api/v1/roles/auditor', {
        caller: acme,
        body: { permissions: ['audit:*'] },
      });
      expect(changed.json.permissions).toEqual(['audit:*']);
      expect(
        (await registry.api('PATCH', '/api/v1/roles/admin', { caller: acme, body: { description: 'x' } })).status,
      ).toBe(400);
      expect((await registry.api('DELETE', '/api/v1/roles/member', { caller: acme })).status).toBe(400);
      expect((await registry.api('DELETE', '/api/v1/roles/auditor', { caller: acme })).status).toBe(204);
      expect((await registry.api('GET', '/api/v1/roles/auditor', { caller: acme })).status).toBe(404);
    });

    it('should keep custom roles to their organisation', async () => {
      expect((await registry.api('GET', '/api/v1/roles/user-admin', { caller: rival })).status).toBe(404);
      expect(
        (await registry.api('PATCH', '/api/v1/roles/user-admin', { caller: rival, body: { description: 'x' } })).status,
      ).toBe(404);
      expect((await registry.api('DELETE', '/api/v1/roles/user-admin', { caller: rival })).status).toBe(404);
      const names = (await registry.api('GET', '/api/v1/roles', { caller: rival })).json.items.map(
        (r: { name: string }) => r.name,
      );
      expect(names).toEqual(['admin', 'editor', 'member']);
      expect((await registry.api('GET', '/api/v1/roles', { caller: acmeMember })).status).toBe(403);
      expect(
        (await registry.api('POST', '/api/v1/roles', { caller: acmeMember, body: { name: 'x', permissions: ['a:b'] } }))
          .status,
      ).toBe(403);
    });
  });

  it('should emit an event for every change, with actor and tenant, never a secret', () => {
    const types = new Set(registry.events.map((e) => e.type));
    for (const type of [
      'organization.created',
      'organization.updated',
      'user.created',
      'user.updated',
      'user.deleted',
      'role-assignment.created',
      'role-assignment.deleted',
      'team.created',
      'team.updated',
      'team.deleted',
      'team-member.added',
      'team-member.removed',
      'role.created',
      'role.updated',
      'role.deleted',
      'token.created',
    ]) {
      expect(types).toContain(`events.v1.registry.${type}`);
    }
    const userCreated = registry.events.find(
      (e) => e.type === 'events.v1.registry.user.created' && e.tenant === 'acme',
    );
    expect(userCreated?.actor).toEqual({ type: 'token', id: acme.actor.slice('token:'.length) });
    expect(registry.events.find((e) => e.type === 'events.v1.registry.organization.created')?.actor).toEqual({
      type: 'user',
      id: 'admin',
    });
    const text = JSON.stringify(registry.events);
    expect(text).not.toMatch(/argon2|password-1|globex-admin-pw|pcl_[A-Za-z0-9_-]{20}/);
  });
});
