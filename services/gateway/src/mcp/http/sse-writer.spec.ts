import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { parseEventId } from '../resumability/sse-event-id';
import { type SseSink, SseWriter } from './sse-writer';

/** Enough of a ServerResponse to see what the writer sends. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  destroyed = false;
  writableEnded = false;
  status?: number;
  writeHead(status: number) {
    this.status = status;
    return this;
  }
  flushHeaders() {}
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end() {
    this.writableEnded = true;
  }
  disconnect() {
    this.destroyed = true;
    this.emit('close');
  }
}

const events = (res: FakeResponse) =>
  res.chunks
    .filter((c) => !c.startsWith(':'))
    .map((chunk) =>
      Object.fromEntries(
        chunk
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      ),
    );

describe(SseWriter.name, () => {
  const open = (options: ConstructorParameters<typeof SseWriter>[2] = {}) => {
    const res = new FakeResponse();
    const sse = new SseWriter(res as unknown as ServerResponse, {}, options);
    return { res, sse };
  };

  it('should send a priming event (id, retry, empty data) before anything else', () => {
    const { res, sse } = open({ primeRetryMs: 1_500 });
    sse.send({ jsonrpc: '2.0', method: 'notifications/progress' });
    const [priming, first] = events(res);
    expect(priming).toEqual({ id: expect.any(String) as unknown, retry: '1500', data: '' });
    expect(parseEventId(priming.id)).toEqual({ stream: sse.stream, seq: 0 });
    expect(parseEventId(first.id)).toEqual({ stream: sse.stream, seq: 1 });
    sse.end();
  });

  it('should give every event an id naming its stream, in order, and different streams different ids', () => {
    const a = open();
    const b = open();
    for (const { sse } of [a, b]) for (let i = 0; i < 3; i++) sse.send({ i });
    const ids = [...events(a.res), ...events(b.res)].map((e) => parseEventId(e.id));
    expect(ids.slice(0, 3)).toEqual([1, 2, 3].map((seq) => ({ stream: a.sse.stream, seq })));
    expect(ids.slice(3)).toEqual([1, 2, 3].map((seq) => ({ stream: b.sse.stream, seq })));
    expect(a.sse.stream).not.toBe(b.sse.stream);
    a.sse.end();
    b.sse.end();
  });

  it('should go on recording after the client left, and end the record once', () => {
    const recorded: [number, string][] = [];
    const ends: number[] = [];
    const sink: SseSink = { record: (seq, data) => recorded.push([seq, data]), end: (seq) => ends.push(seq) };
    const { res, sse } = open({ sink });
    expect(sse.send({ n: 1 })).toBeGreaterThan(0);
    res.disconnect();
    expect(sse.send({ n: 2 })).toBe(0);
    sse.end();
    sse.end();
    expect(recorded).toEqual([
      [1, '{"n":1}'],
      [2, '{"n":2}'],
    ]);
    expect(ends).toEqual([2]);
    expect(events(res)).toHaveLength(1);
  });

  it('should continue a resumed stream after the last event the client has', () => {
    const { res, sse } = open({ stream: 'a'.repeat(22), firstSeq: 4 });
    sse.forward(5, '{"n":5}');
    sse.send({ n: 6 });
    expect(events(res).map((e) => e.id)).toEqual([`s1.${'a'.repeat(22)}.5`, `s1.${'a'.repeat(22)}.6`]);
    sse.end();
  });
});
