import { SseWriter } from '../http/sse-writer';
import { CapturedResponse } from './captured-response';

describe(CapturedResponse.name, () => {
  const capture = () => {
    const seen: { message: unknown; status: number }[] = [];
    const res = new CapturedResponse((message, status) => seen.push({ message, status }));
    return { res, seen };
  };

  it('should turn a JSON answer into one message with its status, and keep its headers', () => {
    const { res, seen } = capture();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'abc' }).end(body);
    expect(seen).toEqual([{ message: { jsonrpc: '2.0', id: 1, result: {} }, status: 200 }]);
    expect(res.header('mcp-session-id')).toBe('abc');
    expect(res.writableEnded && res.destroyed).toBe(true);
  });

  it('should turn every event of an SSE answer into a message, across chunk boundaries, skipping comments and priming events', () => {
    const { res, seen } = capture();
    const sse = new SseWriter(res.asServerResponse);
    res.write('id: s1.x.0\nretry: 1000\ndata: \n\n: keep-alive\n\n');
    sse.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } });
    res.write('event: message\ndata: {"jsonrpc":"2.0",');
    res.write('"id":2,"result":{}}\n\n');
    sse.end();
    expect(seen.map((s) => s.message)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } },
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
  });

  it('should give nothing for an empty answer, and tell listeners when it is destroyed', () => {
    const { res, seen } = capture();
    let closed = 0;
    res.once('close', () => closed++);
    res.writeHead(202).end();
    res.destroy();
    expect(seen).toEqual([]);
    expect(closed).toBe(1);
    expect(res.write('late')).toBe(false);
  });
});
