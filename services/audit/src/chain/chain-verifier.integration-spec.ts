import { testInfra } from '@portcullis/testing';
import { createHash } from 'node:crypto';
import { EventBatchStore } from '../ingest/event-batch-store';
import { auditTestSchema } from '../ingest/testing/audit-test-schema';
import { testEnvelope } from '../ingest/testing/test-events';
import { ChainHasher, encodeChainInput, occurredAtUsSql } from './chain-hash';
import { ChainVerifier } from './chain-verifier';

const KEY = 'integration-test-chain-key';

describe(`${ChainVerifier.name} (real Postgres)`, () => {
  const hasher = new ChainHasher(KEY);
  let db: Awaited<ReturnType<typeof auditTestSchema>>;
  let verifier: ChainVerifier;

  const rowAt = async (seq: number) => (await db.sql('SELECT * FROM events WHERE chain_seq = $1', [seq]))[0];

  beforeAll(async () => {
    db = await auditTestSchema('audit_it', testInfra().databaseUrl);
    const database = await db.open();
    verifier = new ChainVerifier(database, hasher);
    const store = new EventBatchStore(database.dataSource, hasher);
    for (let batch = 0; batch < 3; batch++) {
      await store.store(
        Array.from({ length: 40 }, (_, i) => ({
          subject: 'events.v1.mcp.request',
          sequence: batch * 40 + i + 1,
          text: JSON.stringify(
            testEnvelope(i, i % 4 ? {} : { traceparent: null, data: { nested: { a: [1, 2.5, 'x'] } } }),
          ),
          problems: [],
        })),
      );
    }
  });

  afterAll(() => db.drop());

  afterEach(async () => {
    // Every tamper below is undone, and the chain must be intact again (no false alarm from the undo).
    await expect(verifier.verify()).resolves.toEqual({ ok: true, checked: 120, headSeq: 120 });
  });

  it('should find the chain intact, and check only what it is asked to', async () => {
    await expect(verifier.verify({ fromSeq: 100 })).resolves.toEqual({ ok: true, checked: 21, headSeq: 120 });
    await expect(verifier.verify({ fromSeq: 10, limit: 5 })).resolves.toEqual({ ok: true, checked: 5, headSeq: 120 });
    await expect(verifier.verify({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it('should report an UPDATE of a row as modified', async () => {
    const row = await rowAt(42);
    await db.sql(`UPDATE events SET data = jsonb_set(data, '{outcome}', '"error"') WHERE chain_seq = 42`);
    await expect(verifier.verify()).resolves.toMatchObject({
      ok: false,
      checked: 41,
      problem: { kind: 'modified', chainSeq: 42, eventId: row.id },
    });
    await db.sql('UPDATE events SET data = $1 WHERE chain_seq = 42', [JSON.stringify(row.data)]);
  });

  it('should report a DELETE of a row as deleted', async () => {
    await db.sql('CREATE TEMP TABLE kept AS SELECT * FROM events WHERE chain_seq = 77');
    await db.sql('DELETE FROM events WHERE chain_seq = 77');
    await expect(verifier.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted', chainSeq: 77 } });
    await db.sql(
      `INSERT INTO events (chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence, ingested_at, prev_hash, hash)
       SELECT chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence, ingested_at, prev_hash, hash FROM kept`,
    );
    await db.sql('DROP TABLE kept');
  });

  it('should report a forged INSERT as inserted, naming the forged event', async () => {
    const forgedId = '01900000-0000-7000-8000-00000000f0f0';
    const row = await rowAt(60);
    await db.sql(
      `INSERT INTO events (chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence, prev_hash, hash)
       VALUES (60, $1, $2, now(), 'default', 'user', 'mallory', NULL, '{"forged": true}', 0, $3, $4)`,
      [forgedId, row.type, row.prev_hash, Buffer.alloc(32, 9)],
    );
    await expect(verifier.verify()).resolves.toMatchObject({
      ok: false,
      problem: { kind: 'inserted', chainSeq: 60, eventId: forgedId },
    });
    // One past the head, hashed to link properly: still not part of the chain.
    await db.sql('DELETE FROM events WHERE id = $1', [forgedId]);
    const last = await rowAt(120);
    await db.sql(
      `INSERT INTO events (chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence, prev_hash, hash)
       VALUES (121, $1, $2, now(), 'default', 'user', 'mallory', NULL, '{}', 0, $3, $4)`,
      [forgedId, row.type, last.hash, Buffer.alloc(32, 9)],
    );
    await expect(verifier.verify()).resolves.toMatchObject({
      ok: false,
      problem: { kind: 'inserted', chainSeq: 121, eventId: forgedId },
    });
    await db.sql('DELETE FROM events WHERE id = $1', [forgedId]);
  });

  it('should report a modified row re-hashed without the key', async () => {
    const original = await rowAt(30);
    await db.sql(`UPDATE events SET actor_id = 'someone-else' WHERE chain_seq = 30`);
    // What an intruder without the key can do: recompute the hash as if the chain were unkeyed.
    const [fields] = await db.sql(
      `SELECT chain_seq::text AS "chainSeq", id, type, ${occurredAtUsSql('occurred_at')} AS "occurredAtUs", tenant,
              actor_type AS "actorType", actor_id AS "actorId", traceparent, data::text AS data, prev_hash
       FROM events WHERE chain_seq = 30`,
    );
    const rehashed = createHash('sha256')
      .update(encodeChainInput(fields.prev_hash as Buffer, fields as never))
      .digest();
    await db.sql('UPDATE events SET hash = $1 WHERE chain_seq = 30', [rehashed]);
    await expect(verifier.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'modified', chainSeq: 30 } });
    await db.sql('UPDATE events SET actor_id = $1, hash = $2 WHERE chain_seq = 30', [original.actor_id, original.hash]);
  });

  it('should report a chain_head that does not match the newest row', async () => {
    await db.sql('UPDATE chain_head SET seq = 125');
    await expect(verifier.verify()).resolves.toMatchObject({ ok: false, problem: { kind: 'deleted', chainSeq: 121 } });
    await db.sql('UPDATE chain_head SET seq = 120');
    const [head] = await db.sql('SELECT hash FROM chain_head');
    await db.sql('UPDATE chain_head SET hash = $1', [Buffer.alloc(32)]);
    await expect(verifier.verify()).resolves.toMatchObject({
      ok: false,
      problem: { kind: 'broken-link', chainSeq: 120 },
    });
    await db.sql('UPDATE chain_head SET hash = $1', [head.hash]);
  });
});
