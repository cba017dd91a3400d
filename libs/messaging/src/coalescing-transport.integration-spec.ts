import { testInfra, uniqueId } from '@portcullis/testing';
import { connect, type NatsConnection } from 'nats';
import { CoalescingTransport, connectCoalescing } from './coalescing-transport';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('NATS over the coalescing transport', () => {
  const subject = uniqueId('coalesce');
  let reader: NatsConnection;

  beforeAll(async () => {
    reader = await connect({ servers: testInfra().natsUrl });
  });

  afterAll(async () => {
    await reader?.close();
  });

  /** Collects `count` messages on `subject` as the plain client on another connection receives them. */
  const collect = (count: number) => {
    const received: string[] = [];
    const sub = reader.subscribe(subject, { max: count });
    const done = (async () => {
      for await (const msg of sub) received.push(decoder.decode(msg.data));
      return received;
    })();
    return { done, ready: reader.flush() };
  };

  it('should deliver everything published, in order, across microtasks and turns of the event loop', async () => {
    const nc = await connectCoalescing({ servers: testInfra().natsUrl });
    try {
      expect((nc as unknown as { protocol: { transport: unknown } }).protocol.transport).toBeInstanceOf(
        CoalescingTransport,
      );
      const { done, ready } = collect(3_000);
      await ready;
      for (let i = 0; i < 3_000; i++) {
        nc.publish(subject, encoder.encode(String(i)));
        if (i % 7 === 0) await Promise.resolve(); // a microtask checkpoint: the client flushes to the transport
        if (i % 100 === 0) await nextTurn();
      }
      expect(await done).toEqual(Array.from({ length: 3_000 }, (_, i) => String(i)));
    } finally {
      await nc.close();
    }
  });

  it('should answer requests and flushes as the plain transport does', async () => {
    const nc = await connectCoalescing({ servers: testInfra().natsUrl });
    try {
      const echo = nc.subscribe(`${subject}.echo`, { callback: (_e, msg) => msg.respond(msg.data) });
      await nc.flush();
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          nc.request(`${subject}.echo`, encoder.encode(`r${i}`), { timeout: 5_000 }),
        ),
      );
      expect(replies.map((r) => decoder.decode(r.data))).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
      echo.unsubscribe();
    } finally {
      await nc.close();
    }
  });

  it('should write what is still pending when the connection closes or drains before the next turn', async () => {
    const { done, ready } = collect(2);
    await ready;
    const closing = await connectCoalescing({ servers: testInfra().natsUrl });
    closing.publish(subject, encoder.encode('before close'));
    await Promise.resolve(); // handed to the transport, which has not written it yet
    await closing.close();
    const draining = await connectCoalescing({ servers: testInfra().natsUrl });
    draining.publish(subject, encoder.encode('before drain'));
    await draining.drain();
    expect(await done).toEqual(['before close', 'before drain']);
  }, 10_000);
});
