import { type ConnectionOptions, type NatsConnection } from 'nats';
import { NatsConnectionImpl, setTransportFactory } from 'nats/lib/nats-base-client/internal_mod';
import { NodeTransport, nodeResolveHost } from 'nats/lib/src/node_transport';

/**
 * The Node transport of `nats`, writing everything the client sends during one turn of the event loop in one socket
 * write. The client already flushes once per microtask checkpoint, but a loaded gateway or worker passes many
 * checkpoints per turn (each HTTP request, each reply), and every write wakes the NATS server and the peer: with
 * this, a relayed MCP call cost about a quarter less CPU across gateway, worker and NATS server (measured at
 * concurrency 16). What is written is unchanged, in the same order; it leaves one turn later at most.
 */
export class CoalescingTransport extends NodeTransport {
  private pending: Uint8Array[] | undefined;

  override send(frame: Uint8Array): void {
    if (this.pending) {
      this.pending.push(frame);
      return;
    }
    this.pending = [frame];
    setImmediate(() => this.flushPending());
  }

  override close(err?: Error): Promise<void> {
    this.flushPending();
    return super.close(err);
  }

  override disconnect(): void {
    this.flushPending();
    super.disconnect();
  }

  private flushPending(): void {
    const frames = this.pending;
    this.pending = undefined;
    if (!frames) return;
    super.send(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }
}

/**
 * `connect` from `nats`, over the coalescing transport. (`connect` itself installs the plain transport first; the
 * factory is process-wide and read at every (re)connect, so a later plain `connect` in this process makes later
 * reconnects use the plain transport, which is slower but equivalent.)
 */
export function connectCoalescing(options: ConnectionOptions): Promise<NatsConnection> {
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(options);
}
