import type { DataSource, EntityManager } from 'typeorm';
import { type ChainedRow, ChainHasher, occurredAtUsSql } from '../chain/chain-hash';
import type { DeadLetterRow } from './event-rows';

/** One message from the stream, already checked (`problems` empty: a valid envelope). */
export interface IncomingEvent {
  subject: string;
  sequence: number;
  text: string;
  problems: string[];
}

export interface StoreOutcome {
  stored: number;
  duplicates: number;
  deadLetters: number;
  /** The chain head after the commit (undefined when the batch held no valid event). */
  headSeq: number | undefined;
}

/**
 * A batch canonicalised ahead of its turn, outside the chain lock (so Postgres works on it while the previous
 * batch commits). Its duplicate check may be stale by then: an event stored in between is caught by the primary
 * key, and the batch is stored again the careful way.
 */
export interface PreparedBatch {
  events: IncomingEvent[];
  text: string;
  rows: CanonicalRow[];
}

// The batch travels as one JSON array text (the messages as received, joined): no re-serialisation in Node, no
// array escaping by the driver. Postgres extracts the fields; these expressions are the ones both statements use,
// so what is hashed is what is stored.
const FIELDS = {
  id: "(b.e->>'id')::uuid",
  type: "b.e->>'type'",
  occurredAt: "(b.e->>'occurredAt')::timestamptz",
  tenant: "b.e->>'tenant'",
  actorType: "b.e->'actor'->>'type'",
  actorId: "b.e->'actor'->>'id'",
  traceparent: "b.e->>'traceparent'",
  data: "b.e->'data'",
};

/** Canonical values of every event, and whether it is stored already (run while holding the chain head). */
const CANONICAL_SQL = `
  SELECT b.ord::int AS ord, ${FIELDS.id} AS id, ${FIELDS.type} AS type,
         ${occurredAtUsSql(FIELDS.occurredAt)} AS at_us, ${FIELDS.tenant} AS tenant,
         ${FIELDS.actorType} AS actor_type, ${FIELDS.actorId} AS actor_id, ${FIELDS.traceparent} AS traceparent,
         (${FIELDS.data})::text AS data,
         EXISTS (SELECT 1 FROM events x WHERE x.id = ${FIELDS.id} AND x.occurred_at = ${FIELDS.occurredAt}) AS seen
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS b(e, ord)
  ORDER BY b.ord`;

/** The new rows in one statement, and the head moved to the last of them in the same one. */
const INSERT_SQL = `
  WITH ins AS (
    INSERT INTO events (chain_seq, id, type, occurred_at, tenant, actor_type, actor_id, traceparent, data,
                        stream_sequence, prev_hash, hash)
    SELECT n.seq, ${FIELDS.id}, ${FIELDS.type}, ${FIELDS.occurredAt}, ${FIELDS.tenant}, ${FIELDS.actorType},
           ${FIELDS.actorId}, ${FIELDS.traceparent}, ${FIELDS.data}, n.stream_seq, n.prev, n.hash
    FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bytea[], $6::bytea[]) AS n(ord, seq, stream_seq, prev, hash)
    JOIN jsonb_array_elements($1::jsonb) WITH ORDINALITY AS b(e, ord) ON b.ord = n.ord
  )
  UPDATE chain_head SET seq = $7, hash = $8 WHERE id = 1`;

const DEAD_LETTER_SQL = `
  INSERT INTO dead_letters (subject, stream_sequence, payload, error)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
  ON CONFLICT (stream_sequence) DO NOTHING`;

export interface CanonicalRow {
  ord: number;
  id: string;
  type: string;
  at_us: string;
  tenant: string;
  actor_type: string;
  actor_id: string;
  traceparent: string | null;
  data: string;
  seen: boolean;
}

const UNIQUE_VIOLATION = '23505';
const codeOf = (error: unknown): unknown => (error as { code?: unknown }).code;

/** Postgres refused a value (class 22: data exception; 54000: e.g. an index row too large): not worth a retry. */
const isDataError = (error: unknown): boolean => {
  const code = codeOf(error);
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
};

/** Text columns cannot hold NUL; a dead letter keeps everything else as received. */
const withoutNul = (text: string): string => text.replaceAll('\u0000', '\uFFFD');

/**
 * Stores batches of events: per batch one transaction that locks the chain head (so replicas append one after
 * another and every statement after the lock sees what the previous holder committed), canonicalises and
 * de-duplicates in one round trip, hashes the new rows in Node, inserts them and moves the head in one more.
 * Duplicates (redelivered, or repeated within the batch) never take a chain_seq.
 */
export class EventBatchStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: ChainHasher,
  ) {}

  /**
   * Stores the batch; throws only when it could not be stored (then nothing was). A batch that Postgres refuses
   * for a value in it is split until the offending events are alone, and those go to dead_letters.
   */
  async store(events: IncomingEvent[]): Promise<StoreOutcome> {
    try {
      return await this.storeOnce(events, []);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (events.length === 1) {
        const [event] = events;
        const reason = `refused by Postgres: ${(error as Error).message}`;
        return this.storeOnce(
          [],
          [{ subject: event.subject, sequence: event.sequence, payload: event.text, error: reason }],
        );
      }
      const half = Math.ceil(events.length / 2);
      const first = await this.store(events.slice(0, half));
      const second = await this.store(events.slice(half));
      return {
        stored: first.stored + second.stored,
        duplicates: first.duplicates + second.duplicates,
        deadLetters: first.deadLetters + second.deadLetters,
        headSeq: second.headSeq ?? first.headSeq,
      };
    }
  }

  /**
   * Canonicalises a batch without taking the chain lock; undefined when the batch holds invalid events (those
   * take `store`, which keeps them as dead letters).
   */
  async prepare(events: IncomingEvent[]): Promise<PreparedBatch | undefined> {
    if (events.length === 0 || events.some((e) => e.problems.length > 0)) return undefined;
    const text = `[${events.map((e) => e.text).join(',')}]`;
    const rows = await this.dataSource.query<CanonicalRow[]>(CANONICAL_SQL, [text]);
    return { events, text, rows };
  }

  /**
   * Stores a prepared batch: lock, hash, insert, commit — one round trip fewer under the lock. When an event of
   * it was stored after it was prepared (a redelivery racing its first delivery), or Postgres refuses a value,
   * the batch goes through `store` instead, which checks again under the lock.
   */
  async storePrepared(prepared: PreparedBatch): Promise<StoreOutcome> {
    try {
      return await this.dataSource.transaction(async (tx) => {
        const head = await this.lockHead(tx);
        const outcome = await this.insertChained(tx, prepared.events, prepared.text, prepared.rows, head);
        return { ...outcome, deadLetters: 0 };
      });
    } catch (error) {
      if (codeOf(error) !== UNIQUE_VIOLATION && !isDataError(error)) throw error;
      return this.store(prepared.events);
    }
  }

  private async storeOnce(events: IncomingEvent[], refused: DeadLetterRow[]): Promise<StoreOutcome> {
    const valid = events.filter((e) => e.problems.length === 0);
    const dead = [
      ...refused,
      ...events
        .filter((e) => e.problems.length > 0)
        .map((e) => ({ subject: e.subject, sequence: e.sequence, payload: e.text, error: e.problems.join('; ') })),
    ];
    return this.dataSource.transaction(async (tx) => {
      const outcome: StoreOutcome = { stored: 0, duplicates: 0, deadLetters: dead.length, headSeq: undefined };
      if (valid.length > 0) Object.assign(outcome, await this.append(tx, valid));
      if (dead.length > 0) {
        await tx.query(DEAD_LETTER_SQL, [
          dead.map((d) => d.subject),
          dead.map((d) => d.sequence),
          dead.map((d) => withoutNul(d.payload)),
          dead.map((d) => withoutNul(d.error)),
        ]);
      }
      return outcome;
    });
  }

  private async append(
    tx: EntityManager,
    valid: IncomingEvent[],
  ): Promise<Pick<StoreOutcome, 'stored' | 'duplicates' | 'headSeq'>> {
    const head = await this.lockHead(tx);
    const text = `[${valid.map((e) => e.text).join(',')}]`;
    const rows = await tx.query<CanonicalRow[]>(CANONICAL_SQL, [text]);
    return this.insertChained(tx, valid, text, rows, head);
  }

  private async lockHead(tx: EntityManager): Promise<{ seq: string; hash: Buffer }> {
    const [head] = await tx.query<{ seq: string; hash: Buffer }[]>(
      'SELECT seq::text AS seq, hash FROM chain_head WHERE id = 1 FOR UPDATE',
    );
    if (!head) throw new Error('chain_head is missing: the audit schema is damaged');
    return head;
  }

  /** Hashes the batch's new rows onto the chain head and inserts them (the head is locked by the caller). */
  private async insertChained(
    tx: EntityManager,
    valid: IncomingEvent[],
    text: string,
    rows: CanonicalRow[],
    head: { seq: string; hash: Buffer },
  ): Promise<Pick<StoreOutcome, 'stored' | 'duplicates' | 'headSeq'>> {
    const taken = new Set<string>();
    const ords: number[] = [];
    const seqs: string[] = [];
    const streamSeqs: number[] = [];
    const prevs: Buffer[] = [];
    const hashes: Buffer[] = [];
    let seq = BigInt(head.seq);
    let prev = head.hash;
    let duplicates = 0;
    for (const row of rows) {
      const key = `${row.id}|${row.at_us}`;
      if (row.seen || taken.has(key)) {
        duplicates++;
        continue;
      }
      taken.add(key);
      seq++;
      const chained: ChainedRow = {
        chainSeq: seq.toString(),
        id: row.id,
        type: row.type,
        occurredAtUs: row.at_us,
        tenant: row.tenant,
        actorType: row.actor_type,
        actorId: row.actor_id,
        traceparent: row.traceparent,
        data: row.data,
      };
      const hash = this.hasher.hash(prev, chained);
      ords.push(row.ord);
      seqs.push(chained.chainSeq);
      streamSeqs.push(valid[row.ord - 1].sequence);
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    if (ords.length > 0) {
      await tx.query(INSERT_SQL, [text, ords, seqs, streamSeqs, prevs, hashes, seq.toString(), prev]);
    }
    return { stored: ords.length, duplicates, headSeq: Number(seq) };
  }
}
