import { ChainHasher, GENESIS_HASH } from './chain-hash';
import { type ChainProblem, ChainWalk, type RetiredRecord, type StoredChainRow } from './chain-walk';

const hasher = new ChainHasher('unit-test-chain-key');

/** A genuine chain of n rows, as ingestion would have written it. */
function chain(n: number): StoredChainRow[] {
  const rows: StoredChainRow[] = [];
  let prev: Buffer = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      chainSeq: String(seq),
      id: `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
      type: 'events.v1.test.thing',
      occurredAtUs: String(1_732_000_000_000_000 + seq),
      tenant: 'default',
      actorType: 'user',
      actorId: 'alice',
      traceparent: seq % 2 ? null : `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
      data: `{"n": ${seq}}`,
    };
    const hash = hasher.hash(prev, fields);
    rows.push({ ...fields, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

const retire = (rows: StoredChainRow[], from: number, to: number): RetiredRecord => {
  const record = {
    fromSeq: String(from),
    toSeq: String(to),
    lastHash: rows[to - 1].hash,
    partition: 'events_p20240101',
  };
  return { ...record, mac: hasher.retiredMac(record) };
};

/** Feeds the rows (grouped by chain_seq) and then the head; returns the first problem. */
function walk(
  rows: StoredChainRow[],
  head: { seq: number; hash: Buffer },
  retired: RetiredRecord[] = [],
): ChainProblem | undefined {
  const walker = new ChainWalk(hasher, retired, { fromSeq: 1n, prevHash: GENESIS_HASH });
  const sealed = walker.checkRetired();
  if (sealed) return sealed;
  const sorted = [...rows].sort((a, b) => Number(a.chainSeq) - Number(b.chainSeq));
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j].chainSeq === sorted[i].chainSeq) j++;
    const problem = walker.visit(sorted.slice(i, j));
    if (problem) return problem;
    i = j;
  }
  return walker.finish({ seq: BigInt(head.seq), hash: head.hash });
}

const headOf = (rows: StoredChainRow[]) => ({ seq: rows.length, hash: rows[rows.length - 1].hash });

describe(ChainWalk.name, () => {
  it('should accept an intact chain, and an empty one', () => {
    const rows = chain(20);
    expect(walk(rows, headOf(rows))).toBeUndefined();
    expect(walk([], { seq: 0, hash: GENESIS_HASH })).toBeUndefined();
  });

  it('should report a modified row', () => {
    const rows = chain(10);
    rows[4] = { ...rows[4], data: '{"n": 999}' };
    expect(walk(rows, headOf(rows))).toMatchObject({ kind: 'modified', chainSeq: 5, eventId: rows[4].id });
  });

  it('should report a row whose hash was recomputed without the key as modified', () => {
    const rows = chain(10);
    const unkeyed = new ChainHasher(undefined);
    const edited = { ...rows[4], data: '{"n": 999}' };
    rows[4] = { ...edited, hash: unkeyed.hash(edited.prevHash, edited) };
    expect(walk(rows, headOf(rows))).toMatchObject({ kind: 'modified', chainSeq: 5 });
  });

  it('should report a broken link when a row was re-hashed consistently but its successor was not', () => {
    const rows = chain(10);
    const edited = { ...rows[4], data: '{"n": 999}' };
    rows[4] = { ...edited, hash: hasher.hash(edited.prevHash, edited) };
    expect(walk(rows, headOf(rows))).toMatchObject({ kind: 'broken-link', chainSeq: 6 });
  });

  it('should report deleted rows, in the middle and at the end', () => {
    const rows = chain(10);
    expect(walk([...rows.slice(0, 3), ...rows.slice(5)], headOf(rows))).toMatchObject({
      kind: 'deleted',
      chainSeq: 4,
    });
    expect(walk(rows.slice(0, 8), headOf(rows))).toMatchObject({ kind: 'deleted', chainSeq: 9 });
  });

  it('should report an inserted row claiming an existing chain_seq, naming the forged one', () => {
    const rows = chain(10);
    const forgedFields = { ...rows[6], id: 'ffffffff-0000-7000-8000-000000000000', data: '{"forged": true}' };
    const forged = { ...forgedFields, hash: hasher.hash(forgedFields.prevHash, forgedFields) };
    // Forged with the key itself: both rows hold, so the later-ingested one is the intruder.
    expect(walk([...rows.slice(0, 7), forged, ...rows.slice(7)], headOf(rows))).toMatchObject({
      kind: 'inserted',
      chainSeq: 7,
      eventId: forged.id,
    });
    // Forged without the key: the row that does not hold is the intruder, wherever it sorts.
    const unkeyed = { ...forgedFields, hash: new ChainHasher(undefined).hash(forgedFields.prevHash, forgedFields) };
    expect(walk([unkeyed, ...rows], headOf(rows))).toMatchObject({
      kind: 'inserted',
      chainSeq: 7,
      eventId: unkeyed.id,
    });
  });

  it('should report a head that does not match the last row', () => {
    const rows = chain(5);
    expect(walk(rows, { seq: 5, hash: Buffer.alloc(32) })).toMatchObject({ kind: 'broken-link', chainSeq: 5 });
  });

  it('should accept exactly the gaps retention recorded, and link across them', () => {
    const rows = chain(12);
    const kept = rows.filter((r) => !['1', '2', '3', '7', '8'].includes(r.chainSeq));
    const retired = [retire(rows, 1, 3), retire(rows, 7, 8)];
    expect(walk(kept, headOf(rows), retired)).toBeUndefined();
    expect(walk(kept, headOf(rows), [retired[0]])).toMatchObject({ kind: 'deleted', chainSeq: 7 });
  });

  it('should refuse a retention record not sealed by the key', () => {
    const rows = chain(6);
    const fake = { ...retire(rows, 2, 3), mac: Buffer.alloc(32) };
    expect(walk([rows[0], ...rows.slice(3)], headOf(rows), [fake])).toMatchObject({ kind: 'deleted', chainSeq: 2 });
  });

  it('should report a row inside a retired range as inserted', () => {
    const rows = chain(6);
    expect(walk(rows, headOf(rows), [retire(rows, 2, 3)])).toMatchObject({ kind: 'inserted', chainSeq: 2 });
  });
});
