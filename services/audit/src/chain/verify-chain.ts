import { type ChainHasher, GENESIS_HASH, occurredAtUsSql } from './chain-hash';
import { type ChainProblem, type ChainReport, ChainWalk, type RetiredRecord, type StoredChainRow } from './chain-walk';

/** Anything that runs SQL on one connection and returns the rows (a pg Client, a TypeORM QueryRunner). */
export interface SqlConnection {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface VerifyOptions {
  /** First chain_seq to check (default 1: the whole chain). */
  fromSeq?: number;
  /** Rows to check at most (default: up to the head; then the head itself is not compared). */
  limit?: number;
}

/** chain_seq values per page: a page is a seq range, so every row of one chain_seq lands in the same page. */
const PAGE = 5_000;

const ROWS_SQL = `
  SELECT chain_seq::text AS seq, id, type, ${occurredAtUsSql('occurred_at')} AS at_us, tenant, actor_type, actor_id,
         traceparent, data::text AS data, prev_hash, hash
  FROM events WHERE chain_seq >= $1 AND chain_seq < $2 AND chain_seq <= $3
  ORDER BY chain_seq, ingested_at, id`;

interface RowRecord {
  seq: string;
  id: string;
  type: string;
  at_us: string;
  tenant: string;
  actor_type: string;
  actor_id: string;
  traceparent: string | null;
  data: string;
  prev_hash: Buffer;
  hash: Buffer;
}

const toStored = (r: RowRecord): StoredChainRow => ({
  chainSeq: r.seq,
  id: r.id,
  type: r.type,
  occurredAtUs: r.at_us,
  tenant: r.tenant,
  actorType: r.actor_type,
  actorId: r.actor_id,
  traceparent: r.traceparent,
  data: r.data,
  prevHash: r.prev_hash,
  hash: r.hash,
});

function checkOptions(options: VerifyOptions): void {
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1))
      throw new RangeError(`${name} must be a positive integer`);
  }
}

/**
 * Walks the chain in chain_seq order, one page at a time (never the whole table in memory), inside one
 * read-only REPEATABLE READ transaction: a consistent snapshot of rows, head and retention records, so rows
 * ingested meanwhile are simply not there yet, and retention waits for the walk to finish.
 */
export async function verifyChain(
  sql: SqlConnection,
  hasher: ChainHasher,
  options: VerifyOptions = {},
): Promise<ChainReport> {
  checkOptions(options);
  const q = async <T>(text: string, params?: unknown[]) => (await sql.query(text, params)) as T[];
  await q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const report = await walk(q, hasher, options);
    await q('COMMIT');
    return report;
  } catch (error) {
    await q('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function walk(
  q: <T>(text: string, params?: unknown[]) => Promise<T[]>,
  hasher: ChainHasher,
  options: VerifyOptions,
): Promise<ChainReport> {
  const [headRow] = await q<{ seq: string; hash: Buffer }>(
    'SELECT seq::text AS seq, hash FROM chain_head WHERE id = 1',
  );
  if (!headRow) throw new Error('chain_head is missing: not an audit schema, or it was damaged');
  const head = { seq: BigInt(headRow.seq), hash: headRow.hash };
  const retired = (
    await q<{ from_seq: string; to_seq: string; last_hash: Buffer; partition: string; mac: Buffer }>(
      'SELECT from_seq::text, to_seq::text, last_hash, partition, mac FROM chain_retired ORDER BY from_seq',
    )
  ).map((r): RetiredRecord => ({
    fromSeq: r.from_seq,
    toSeq: r.to_seq,
    lastHash: r.last_hash,
    partition: r.partition,
    mac: r.mac,
  }));
  const fromSeq = BigInt(options.fromSeq ?? 1);
  const walker = new ChainWalk(hasher, retired, { fromSeq, prevHash: await hashBefore(q, fromSeq, retired) });
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const fail = (problem: ChainProblem): ChainReport => ({ ok: false, checked: walker.checked, problem });

  const sealed = walker.checkRetired();
  if (sealed) return fail(sealed);
  let next = fromSeq;
  while (next <= head.seq) {
    const rows = await q<RowRecord>(ROWS_SQL, [String(next), String(next + BigInt(PAGE)), String(head.seq)]);
    if (rows.length === 0) {
      // A long retired stretch: jump to the next row there is.
      const [{ seq }] = await q<{ seq: string | null }>(
        'SELECT min(chain_seq)::text AS seq FROM events WHERE chain_seq >= $1 AND chain_seq <= $2',
        [String(next + BigInt(PAGE)), String(head.seq)],
      );
      if (seq === null) break;
      next = BigInt(seq);
      continue;
    }
    for (let i = 0; i < rows.length;) {
      let j = i + 1;
      while (j < rows.length && rows[j].seq === rows[i].seq) j++;
      const problem = walker.visit(rows.slice(i, j).map(toStored));
      if (problem) return fail(problem);
      if (walker.checked >= limit) return { ok: true, checked: walker.checked, headSeq: Number(head.seq) };
      i = j;
    }
    next += BigInt(PAGE);
  }
  const end = walker.finish(head);
  if (end) return fail(end);
  // Rows and head commit together, so in this snapshot nothing may lie beyond the head.
  const [beyond] = await q<{ seq: string; id: string }>(
    'SELECT chain_seq::text AS seq, id FROM events WHERE chain_seq > $1 ORDER BY chain_seq LIMIT 1',
    [String(head.seq)],
  );
  if (beyond) {
    return fail({
      kind: 'inserted',
      chainSeq: Number(beyond.seq),
      eventId: beyond.id,
      detail: `chain_seq ${beyond.seq} lies beyond chain_head (${head.seq})`,
    });
  }
  return { ok: true, checked: walker.checked, headSeq: Number(head.seq) };
}

/** The hash the row at `fromSeq` must link to: genesis, its predecessor's, or a retired range's last one. */
async function hashBefore(
  q: <T>(text: string, params?: unknown[]) => Promise<T[]>,
  fromSeq: bigint,
  retired: RetiredRecord[],
): Promise<Buffer | null> {
  if (fromSeq <= 1n) return GENESIS_HASH;
  const before = String(fromSeq - 1n);
  const [row] = await q<{ hash: Buffer }>('SELECT hash FROM events WHERE chain_seq = $1 LIMIT 1', [before]);
  return row?.hash ?? retired.find((r) => r.toSeq === before)?.lastHash ?? null;
}
