import { randomBytes } from 'node:crypto';
import { testInfra, uniqueId } from '@portcullis/testing';
import { v7 as uuidv7 } from 'uuid';
import { type RegistryTestApp, startRegistryTestApp } from '../catalog/testing/registry-test-app';
import type { Queryable } from '../http/registry-db';
import { type InTransaction, rotateSecrets } from './rotate-secrets';
import { parseSecretKeyRing } from './secret-key-ring';
import { DEVELOPMENT_KEY_RING_SPEC } from './secret-key-ring.config';
import { type SecretOwner, SecretStore } from './secret-store';

describe(rotateSecrets.name, () => {
  let t: RegistryTestApp;
  let orgId: string;
  const owners: SecretOwner[] = [];
  const newKey = `k2:${randomBytes(32).toString('base64')}`;
  const rotated = parseSecretKeyRing(`${newKey},${DEVELOPMENT_KEY_RING_SPEC}`);

  const inTransaction: InTransaction = (work) =>
    t.database.dataSource.transaction((manager) =>
      work({ query: <T>(sql: string, params?: unknown[]) => manager.query<T[]>(sql, params) }),
    );
  const keyIds = async () =>
    await t.sql<{ key_id: string; n: number }>(
      'SELECT key_id, count(*)::int AS n FROM secrets GROUP BY key_id ORDER BY key_id',
    );

  beforeAll(async () => {
    t = await startRegistryTestApp(uniqueId('regrot'), testInfra());
    orgId = await t.organization('acme');
    const store = t.app.get(SecretStore);
    const db: Queryable = {
      query: <T>(sql: string, params?: unknown[]) => t.database.dataSource.query<T[]>(sql, params),
    };
    for (let i = 0; i < 7; i++) {
      const owner: SecretOwner = { organizationId: orgId, ownerType: 'installation', ownerId: uuidv7() };
      owners.push(owner);
      await store.put(db, owner, 'TOKEN', `value-${i}`);
    }
  });
  afterAll(async () => t.close());

  it('should survive an interruption, finish on a re-run, and leave every value readable with the new key only', async () => {
    let batches = 0;
    const failing: InTransaction = async (work) => {
      if (++batches === 3) throw new Error('killed mid-rotation');
      return inTransaction(work);
    };
    await expect(rotateSecrets(failing, rotated, 2)).rejects.toThrow('killed mid-rotation');
    expect(await keyIds()).toEqual([
      { key_id: 'dev', n: 3 },
      { key_id: 'k2', n: 4 },
    ]);

    const report = await rotateSecrets(inTransaction, rotated, 2);
    expect(report).toEqual({ activeKeyId: 'k2', rewrapped: 3, failed: [] });
    expect(await keyIds()).toEqual([{ key_id: 'k2', n: 7 }]);
    expect(await rotateSecrets(inTransaction, rotated, 2)).toEqual({ activeKeyId: 'k2', rewrapped: 0, failed: [] });

    const onlyNew = new SecretStore(parseSecretKeyRing(newKey));
    const values = await Promise.all(owners.map((owner) => onlyNew.reveal(t.database.dataSource, owner)));
    expect(values).toEqual(owners.map((_, i) => ({ TOKEN: `value-${i}` })));
  });

  it('should report, not lose, a secret whose key is missing from the ring', async () => {
    const orphan = `gone:${randomBytes(32).toString('base64')}`;
    const owner: SecretOwner = { organizationId: orgId, ownerType: 'installation', ownerId: uuidv7() };
    await new SecretStore(parseSecretKeyRing(orphan)).put(t.database.dataSource, owner, 'TOKEN', 'orphaned');
    const report = await rotateSecrets(inTransaction, rotated);
    expect(report.rewrapped).toBe(0);
    expect(report.failed).toEqual([
      {
        id: expect.any(String) as unknown,
        keyId: 'gone',
        reason: expect.stringContaining('key "gone", which is not configured') as unknown,
      },
    ]);
    expect(await new SecretStore(parseSecretKeyRing(orphan)).reveal(t.database.dataSource, owner)).toEqual({
      TOKEN: 'orphaned',
    });
  });

  it('should refuse a tampered row instead of returning garbage', async () => {
    await t.sql(`UPDATE secrets SET tag = set_byte(tag, 0, get_byte(tag, 0) # 1) WHERE owner_id = $1`, [
      owners[0].ownerId,
    ]);
    await expect(t.app.get(SecretStore).reveal(t.database.dataSource, owners[0])).rejects.toThrow(
      /authentication failed|not configured/,
    );
    await expect(new SecretStore(rotated).reveal(t.database.dataSource, owners[0])).rejects.toThrow(
      'secret: authentication failed',
    );
  });
});
