import type { ChainedRow, ChainHasher, RetiredRange } from './chain-hash';

/** A row as the verifier reads it back: the chained fields plus the stored links. */
export interface StoredChainRow extends ChainedRow {
  prevHash: Buffer;
  hash: Buffer;
}

export interface RetiredRecord extends RetiredRange {
  mac: Buffer;
}

export type ChainProblemKind = 'modified' | 'deleted' | 'inserted' | 'broken-link';

export interface ChainProblem {
  kind: ChainProblemKind;
  chainSeq: number;
  eventId?: string;
  detail: string;
}

export type ChainReport =
  { ok: true; checked: number; headSeq: number } | { ok: false; checked: number; problem: ChainProblem };

const range = (from: bigint, to: bigint): string => (to > from ? `${from}..${to}` : `${from}`);

/**
 * The verifier's logic, fed rows in chain order (all rows of one chain_seq together) and told where the chain
 * should end. It knows the expected next chain_seq and the hash the next row must link to; it accepts exactly
 * the gaps recorded (and sealed) in chain_retired, and reports the first problem it meets.
 */
export class ChainWalk {
  checked = 0;
  private expected: bigint;
  private prev: Buffer | null;
  private readonly retiredByStart: Map<string, RetiredRecord>;

  /** `prevHash` null: the hash before `fromSeq` is unknown (its row is gone), so the first link is trusted. */
  constructor(
    private readonly hasher: ChainHasher,
    private readonly retired: RetiredRecord[],
    start: { fromSeq: bigint; prevHash: Buffer | null },
  ) {
    this.expected = start.fromSeq;
    this.prev = start.prevHash;
    this.retiredByStart = new Map(retired.map((r) => [r.fromSeq, r]));
  }

  /** Every retention record must carry the seal of the chain key. */
  checkRetired(): ChainProblem | undefined {
    for (const record of this.retired) {
      if (!this.hasher.retiredMac(record).equals(record.mac)) {
        return {
          kind: 'deleted',
          chainSeq: Number(record.fromSeq),
          detail: `chain_retired record ${range(BigInt(record.fromSeq), BigInt(record.toSeq))} (${record.partition}) is not sealed by the chain key: it may hide deleted rows`,
        };
      }
    }
    return undefined;
  }

  /** The rows holding one chain_seq, in ingestion order (more than one is itself a problem). */
  visit(group: StoredChainRow[]): ChainProblem | undefined {
    const seq = BigInt(group[0].chainSeq);
    this.skipRetired();
    if (seq < this.expected) {
      const holder = this.retired.find((r) => BigInt(r.fromSeq) <= seq && seq <= BigInt(r.toSeq));
      return {
        kind: 'inserted',
        chainSeq: Number(seq),
        eventId: group[0].id,
        detail: holder
          ? `chain_seq ${seq} lies in the range ${holder.fromSeq}..${holder.toSeq} that retention removed`
          : `chain_seq ${seq} comes before the expected ${this.expected}`,
      };
    }
    if (seq > this.expected) {
      return {
        kind: 'deleted',
        chainSeq: Number(this.expected),
        detail: `chain_seq ${range(this.expected, seq - 1n)} missing, and no retention record covers it`,
      };
    }
    if (group.length > 1) {
      const forged = group.find((row) => !this.holds(row)) ?? group[1];
      return {
        kind: 'inserted',
        chainSeq: Number(seq),
        eventId: forged.id,
        detail: `${group.length} rows claim chain_seq ${seq}; event ${forged.id} is not part of the chain`,
      };
    }
    const [row] = group;
    if (!this.hasher.hash(row.prevHash, row).equals(row.hash)) {
      return {
        kind: 'modified',
        chainSeq: Number(seq),
        eventId: row.id,
        detail: `the contents of chain_seq ${seq} do not match its hash`,
      };
    }
    if (this.prev && !row.prevHash.equals(this.prev)) {
      return {
        kind: 'broken-link',
        chainSeq: Number(seq),
        eventId: row.id,
        detail: `prev_hash of chain_seq ${seq} does not match the hash of chain_seq ${seq - 1n}`,
      };
    }
    this.prev = row.hash;
    this.expected = seq + 1n;
    this.checked++;
    return undefined;
  }

  /** After the last row: the chain must end exactly at chain_head, with its hash. */
  finish(head: { seq: bigint; hash: Buffer }): ChainProblem | undefined {
    this.skipRetired();
    if (this.expected <= head.seq) {
      return {
        kind: 'deleted',
        chainSeq: Number(this.expected),
        detail: `chain_seq ${range(this.expected, head.seq)} missing at the end of the chain (chain_head is at ${head.seq})`,
      };
    }
    if (this.prev && this.expected === head.seq + 1n && !this.prev.equals(head.hash)) {
      return {
        kind: 'broken-link',
        chainSeq: Number(head.seq),
        detail: `chain_head's hash does not match the hash of chain_seq ${head.seq}`,
      };
    }
    return undefined;
  }

  private holds(row: StoredChainRow): boolean {
    return this.hasher.hash(row.prevHash, row).equals(row.hash) && (!this.prev || row.prevHash.equals(this.prev));
  }

  private skipRetired(): void {
    for (
      let r = this.retiredByStart.get(String(this.expected));
      r;
      r = this.retiredByStart.get(String(this.expected))
    ) {
      this.prev = r.lastHash;
      this.expected = BigInt(r.toSeq) + 1n;
    }
  }
}
