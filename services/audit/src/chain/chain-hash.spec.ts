import { createHash, createHmac } from 'node:crypto';
import { type ChainedRow, ChainHasher, encodeChainInput, GENESIS_HASH } from './chain-hash';

const row: ChainedRow = {
  chainSeq: '1',
  id: '0190a5b2-0000-7000-8000-000000000001',
  type: 'events.v1.mcp.request',
  occurredAtUs: '1732000000000000',
  tenant: 'default',
  actorType: 'user',
  actorId: 'alice',
  traceparent: null,
  data: '{"tool": "x"}',
};

describe(ChainHasher.name, () => {
  it('should encode every field with its length, so moving a boundary changes the bytes', () => {
    const a = encodeChainInput(GENESIS_HASH, { ...row, tenant: 'ab', actorType: 'c' });
    const b = encodeChainInput(GENESIS_HASH, { ...row, tenant: 'a', actorType: 'bc' });
    expect(a.equals(b)).toBe(false);
  });

  it('should tell NULL from an empty string', () => {
    const asNull = encodeChainInput(GENESIS_HASH, { ...row, traceparent: null });
    const asEmpty = encodeChainInput(GENESIS_HASH, { ...row, traceparent: '' });
    expect(asNull.equals(asEmpty)).toBe(false);
  });

  it('should encode a version tag, then length-prefixed UTF-8 parts', () => {
    const encoded = encodeChainInput(Buffer.from([1, 2]), { ...row, data: '"é"' });
    const tag = Buffer.from('portcullis-audit-chain/1');
    expect(encoded.subarray(0, tag.length).equals(tag)).toBe(true);
    expect(encoded.readUInt32BE(tag.length)).toBe(2);
    expect([...encoded.subarray(tag.length + 4, tag.length + 6)]).toEqual([1, 2]);
    expect(encoded.readUInt32BE(tag.length + 6)).toBe(1); // chainSeq "1"
    const tail = encoded.subarray(encoded.length - 8);
    expect(tail.readUInt32BE(0)).toBe(4); // '"é"' is 4 bytes in UTF-8
    expect(tail.subarray(4).toString('utf8')).toBe('"é"');
  });

  it('should hash with HMAC-SHA256 under a key and plain SHA-256 without one', () => {
    const prev = Buffer.alloc(32, 7);
    const input = encodeChainInput(prev, row);
    const key = 'k'.repeat(32);
    expect(new ChainHasher(key).hash(prev, row)).toEqual(createHmac('sha256', key).update(input).digest());
    expect(new ChainHasher(undefined).hash(prev, row)).toEqual(createHash('sha256').update(input).digest());
  });

  it('should make every field and the previous hash count', () => {
    const hasher = new ChainHasher('k'.repeat(32));
    const base = hasher.hash(GENESIS_HASH, row).toString('hex');
    for (const key of Object.keys(row) as (keyof ChainedRow)[]) {
      expect(hasher.hash(GENESIS_HASH, { ...row, [key]: `${row[key] ?? ''}x` }).toString('hex')).not.toBe(base);
    }
    expect(hasher.hash(Buffer.alloc(32), row).toString('hex')).not.toBe(base);
  });

  it('should seal retention records so that changing any part breaks the seal', () => {
    const hasher = new ChainHasher('k'.repeat(32));
    const record = { fromSeq: '1', toSeq: '10', lastHash: Buffer.alloc(32, 1), partition: 'events_p20240101' };
    const mac = hasher.retiredMac(record);
    expect(hasher.retiredMac({ ...record, toSeq: '11' }).equals(mac)).toBe(false);
    expect(new ChainHasher('j'.repeat(32)).retiredMac(record).equals(mac)).toBe(false);
  });
});
