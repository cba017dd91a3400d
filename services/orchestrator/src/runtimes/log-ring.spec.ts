import { LogRing } from './log-ring';
import type { LogLine } from './runtime.types';

describe(LogRing.name, () => {
  it('should keep only the newest lines, in order, with increasing sequence numbers', () => {
    const ring = new LogRing('i1', { maxLines: 3, maxLineLength: 100 });
    for (let i = 1; i <= 5; i++) ring.push('stderr', `line ${i}`);
    expect(ring.snapshot().map((line) => [line.seq, line.text])).toEqual([
      [3, 'line 3'],
      [4, 'line 4'],
      [5, 'line 5'],
    ]);
  });

  it('should truncate long lines and report every line to its listener', () => {
    const seen: LogLine[] = [];
    const ring = new LogRing('i1', { maxLines: 3, maxLineLength: 4 }, (line) => seen.push(line));
    ring.push('runtime', 'abcdefgh');
    expect(seen).toEqual([expect.objectContaining({ instanceId: 'i1', stream: 'runtime', text: 'abcd…' })]);
  });

  it('should stream live lines after the backlog and end when closed', async () => {
    const ring = new LogRing('i1', { maxLines: 10, maxLineLength: 100 });
    ring.push('stderr', 'old');
    const received: string[] = [];
    const following = (async () => {
      for await (const line of ring.follow({ backlog: true })) received.push(line.text);
    })();
    ring.push('stderr', 'new');
    await new Promise((resolve) => setImmediate(resolve));
    ring.push('stderr', 'last');
    ring.close();
    await following;
    expect(received).toEqual(['old', 'new', 'last']);
  });

  it('should stop a follower when its signal aborts', async () => {
    const ring = new LogRing('i1', { maxLines: 10, maxLineLength: 100 });
    const abort = new AbortController();
    const following = (async () => {
      const lines: string[] = [];
      for await (const line of ring.follow({ signal: abort.signal })) lines.push(line.text);
      return lines;
    })();
    ring.push('stderr', 'one');
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await expect(following).resolves.toEqual(['one']);
  });

  it('should drop the oldest queued lines of a follower that falls behind', async () => {
    const ring = new LogRing('i1', { maxLines: 2, maxLineLength: 100 });
    const iterator = ring.follow()[Symbol.asyncIterator]();
    const first = iterator.next();
    ring.push('stderr', 'a');
    expect((await first).value).toMatchObject({ text: 'a' });
    for (const text of ['b', 'c', 'd']) ring.push('stderr', text);
    ring.close();
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.text);
    expect(rest).toEqual(['c', 'd']);
  });
});
