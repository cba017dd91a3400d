import type { DataSource } from 'typeorm';
import type { ChainHasher } from '../chain/chain-hash';
import { addDays } from './partition-days';
import { listPartitions, tryAdvisoryXactLock } from './partition-manager';

const DAY_MS = 86_400_000;

/** The islands of chain_seq a partition holds, each with the hash of its last row. */
const ISLANDS_SQL = (table: string) => `
  SELECT min(chain_seq)::text AS from_seq, max(chain_seq)::text AS to_seq,
         (array_agg(hash ORDER BY chain_seq DESC))[1] AS last_hash
  FROM (SELECT chain_seq, hash, chain_seq - row_number() OVER (ORDER BY chain_seq) AS island FROM ${table}) s
  GROUP BY island ORDER BY min(chain_seq)`;

/**
 * Drops daily partitions entirely older than the retention cutoff, one replica at a time. Each drop is one
 * transaction: take the table lock (so no ingestion writes into the partition meanwhile), record every chain
 * range the partition held in `chain_retired` (sealed with the chain key), then DROP — both or neither.
 */
export class RetentionJob {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: ChainHasher,
  ) {}

  /** The partitions dropped (none when retentionDays is 0, or another replica is at it). */
  async run(now: Date, retentionDays: number): Promise<string[]> {
    if (retentionDays === 0) return [];
    const cutoff = now.getTime() - retentionDays * DAY_MS;
    const expired = (await listPartitions(this.dataSource)).filter(
      (p) => Date.parse(`${addDays(p.day, 1)}T00:00:00Z`) <= cutoff,
    );
    const dropped: string[] = [];
    for (const partition of expired) {
      if (!(await this.drop(partition.name))) break;
      dropped.push(partition.name);
    }
    return dropped;
  }

  private drop(name: string): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      if (!(await tryAdvisoryXactLock(tx, 'retention'))) return false;
      // Readers and writers queue behind this lock while it waits; give up soon and try again next run.
      await tx.query(`SET LOCAL lock_timeout = '5s'`);
      await tx.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const [{ present }] = await tx.query<
        {
          present: boolean;
        }[]
      >('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
      if (!present) return true;
      const islands = await tx.query<{ from_seq: string; to_seq: string; last_hash: Buffer }[]>(ISLANDS_SQL(name));
      if (islands.length > 0) {
        const macs = islands.map((i) =>
          this.hasher.retiredMac({ fromSeq: i.from_seq, toSeq: i.to_seq, lastHash: i.last_hash, partition: name }),
        );
        await tx.query(
          `INSERT INTO chain_retired (from_seq, to_seq, last_hash, partition, mac)
           SELECT f, t, h, $4, m FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $5::bytea[]) AS r(f, t, h, m)`,
          [islands.map((i) => i.from_seq), islands.map((i) => i.to_seq), islands.map((i) => i.last_hash), name, macs],
        );
      }
      await tx.query(`DROP TABLE ${name}`);
      return true;
    });
  }
}
