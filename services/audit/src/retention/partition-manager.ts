import type { DataSource, EntityManager } from 'typeorm';
import { addDays, dayOf, dayOfPartition, daysBetween, partitionNameOf } from './partition-days';

export interface EventPartition {
  name: string;
  day: string;
}

/** Days found in events_default that get a partition per run at most (a flood of odd timestamps stays bounded). */
const MAX_STRAY_DAYS = 62;

/** A transaction-scoped advisory lock per purpose and schema; false when another session holds it. */
export const tryAdvisoryXactLock = async (tx: EntityManager, purpose: string): Promise<boolean> => {
  const [row] = await tx.query<{ locked: boolean }[]>(
    `SELECT pg_try_advisory_xact_lock(hashtext('portcullis:audit:' || $1 || ':' || current_schema())) AS locked`,
    [purpose],
  );
  return row.locked;
};

/** Lists the daily partitions of `events`. */
export async function listPartitions(q: DataSource | EntityManager): Promise<EventPartition[]> {
  const rows = await q.query<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass('events') ORDER BY c.relname`,
  );
  return rows.flatMap(({ name }) => {
    const day = dayOfPartition(name);
    return day ? [{ name, day }] : [];
  });
}

/**
 * Creates daily partitions of `events` ahead of time, one replica at a time (a transaction-scoped advisory lock;
 * a replica that does not get it skips the run). A day whose rows already sit in events_default (no partition
 * yet when they arrived, or events from long ago) gets its partition too: the rows are moved into it in the same
 * transaction, keeping their chain columns, so retention can later drop that day whole.
 */
export class PartitionManager {
  constructor(private readonly dataSource: DataSource) {}

  /** The days created; null when another replica was doing it. */
  async ensure(now: Date, aheadDays: number): Promise<string[] | null> {
    return this.dataSource.transaction(async (tx) => {
      if (!(await tryAdvisoryXactLock(tx, 'partitions'))) return null;
      await tx.query(`SET LOCAL lock_timeout = '10s'`);
      const existing = new Set((await listPartitions(tx)).map((p) => p.day));
      const today = dayOf(now);
      const stray = await tx.query<{ day: string }[]>(
        `SELECT DISTINCT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM events_default
         ORDER BY 1 LIMIT ${MAX_STRAY_DAYS}`,
      );
      const wanted = new Set([
        ...daysBetween(addDays(today, -1), addDays(today, aheadDays)),
        ...stray.map((s) => s.day),
      ]);
      const created: string[] = [];
      for (const day of [...wanted].sort()) {
        if (existing.has(day)) continue;
        await this.create(tx, day);
        created.push(day);
      }
      return created;
    });
  }

  private async create(tx: EntityManager, day: string): Promise<void> {
    const name = partitionNameOf(day);
    const from = `${day} 00:00:00+00`;
    const to = `${addDays(day, 1)} 00:00:00+00`;
    const [{ stray }] = await tx.query<{ stray: boolean }[]>(
      'SELECT EXISTS (SELECT 1 FROM events_default WHERE occurred_at >= $1 AND occurred_at < $2) AS stray',
      [from, to],
    );
    // Postgres refuses a partition for a range the default partition holds rows of: move them out and back in.
    // Both through `events` (the day has no partition yet, so the rows are all in the default one); the rows keep
    // their chain_seq, so the rollups (folded in by chain_seq) are not touched by the move.
    const holding = `audit_moving_${name}`;
    if (stray) {
      await tx.query(`CREATE TEMP TABLE ${holding} (LIKE events_default) ON COMMIT DROP`);
      await tx.query(
        `WITH moved AS (DELETE FROM events WHERE occurred_at >= $1 AND occurred_at < $2 RETURNING *)
         INSERT INTO ${holding} SELECT * FROM moved`,
        [from, to],
      );
    }
    await tx.query(`CREATE TABLE ${name} PARTITION OF events FOR VALUES FROM ('${from}') TO ('${to}')`);
    if (stray) {
      const columns =
        'chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data, stream_sequence, ingested_at, prev_hash, hash';
      await tx.query(`INSERT INTO events (${columns}) SELECT ${columns} FROM ${holding}`);
    }
  }
}
