import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP relay on loopback that adds `Authorization: Bearer <token>` to every request and passes everything else
 * through untouched — Host and Origin included, so the gateway's own DNS-rebinding checks still see what the client
 * sent. The conformance CLI cannot send credentials itself; this lets it reach the gateway without weakening auth.
 */
export class BearerProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: URL,
    private readonly token: string,
  ) {}

  /** Starts listening; resolves to the proxy's origin (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    const server = createServer((incoming, outgoing) => {
      const upstream = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, authorization: `Bearer ${this.token}` },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.flushHeaders();
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => {
        if (!outgoing.headersSent) outgoing.writeHead(502).end();
        else outgoing.destroy();
      });
      // A client that hangs up (a cancelled stream) must hang up upstream too, as it would without the proxy.
      outgoing.on('close', () => upstream.destroy());
      incoming.pipe(upstream);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no TCP address');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
