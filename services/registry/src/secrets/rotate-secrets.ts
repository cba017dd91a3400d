import { rewrapSecret } from './secret-cipher';
import type { SecretKeyRing } from './secret-key-ring';
import { sealedOf } from './secret-store';
import type { Queryable } from '../http/registry-db';

/** Runs `work` in one transaction (DataSource.transaction, or BEGIN/COMMIT on a pg client). */
export type InTransaction = <T>(work: (db: Queryable) => Promise<T>) => Promise<T>;

export interface RotationReport {
  activeKeyId: string;
  rewrapped: number;
  /** Secrets that could not be re-wrapped (key not in the ring, or tampered); they keep their old key. */
  failed: { id: string; keyId: string; reason: string }[];
}

interface RotationRow {
  id: string;
  key_id: string;
  wrapped_key: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * Re-wraps every secret not yet under the active key, in batches of one transaction each. Idempotent (secrets on the
 * active key are skipped) and safe to interrupt: committed batches stay rotated, a re-run does the rest, and
 * concurrent runs skip each other's locked rows.
 */
export async function rotateSecrets(
  inTransaction: InTransaction,
  ring: SecretKeyRing,
  batchSize = 200,
): Promise<RotationReport> {
  const report: RotationReport = { activeKeyId: ring.active.id, rewrapped: 0, failed: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows, rewrapped, failed } = await inTransaction(async (db) => {
      const done = { rewrapped: 0, failed: [] as RotationReport['failed'] };
      const rows = await db.query<RotationRow>(
        `SELECT id, key_id, wrapped_key, iv, tag, ciphertext FROM secrets
          WHERE key_id <> $1 AND id > $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [ring.active.id, after, batchSize],
      );
      for (const row of rows) {
        try {
          const rewrapped = rewrapSecret(ring, sealedOf(row));
          await db.query(`UPDATE secrets SET key_id = $2, wrapped_key = $3 WHERE id = $1`, [
            row.id,
            rewrapped.keyId,
            rewrapped.wrappedKey,
          ]);
          done.rewrapped++;
        } catch (error) {
          done.failed.push({ id: row.id, keyId: row.key_id, reason: (error as Error).message });
        }
      }
      return { rows, ...done };
    });
    // Counted only once the batch is committed.
    report.rewrapped += rewrapped;
    report.failed.push(...failed);
    if (rows.length === 0) return report;
    after = rows[rows.length - 1].id;
  }
}
