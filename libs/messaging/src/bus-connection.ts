import { Events, type JetStreamClient, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { BusOptions } from './bus-options';
import { ensureEventsStream } from './events-stream';
import { connectCoalescing } from './coalescing-transport';

type ConnectedListener = (nc: NatsConnection) => Promise<void> | void;

const FLUSH_TIMEOUT_MS = 1_000;

/**
 * The service's one NATS connection. Start-up never waits for NATS: the service comes up not-ready and
 * connects (and later reconnects) in the background with backoff, forever, so a NATS outage needs no restart.
 */
export class BusConnection {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connected = false;
  private streamReady = false;
  private closing = false;
  private readonly listeners: ConnectedListener[] = [];
  private readonly firstConnection: Promise<NatsConnection>;

  constructor(
    readonly options: BusOptions,
    private readonly log: Logger,
  ) {
    this.firstConnection = this.open();
    this.firstConnection.catch((error: unknown) => this.log.error({ err: error }, 'NATS connection gave up'));
  }

  /** Runs now if connected, and again after every reconnect (subscriptions themselves survive reconnects). */
  onConnected(listener: ConnectedListener): void {
    this.listeners.push(listener);
    if (this.nc && this.connected) void this.runListener(listener, this.nc);
  }

  get connection(): NatsConnection | undefined {
    return this.connected ? this.nc : undefined;
  }

  /** Waits for the first connection (used where there is nothing useful to do without NATS). */
  ready(): Promise<NatsConnection> {
    return this.firstConnection;
  }

  jetstream(): JetStreamClient | undefined {
    return this.connected && this.streamReady ? this.js : undefined;
  }

  /** Ready means connected, a round trip to the server answered in time, and the events stream exists. */
  async isReady(): Promise<boolean> {
    const nc = this.nc;
    if (!nc || !this.connected || !this.streamReady || nc.isClosed()) return false;
    try {
      await Promise.race([
        nc.flush(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('flush timeout')), FLUSH_TIMEOUT_MS).unref()),
      ]);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops taking messages, lets in-flight ones finish, flushes what is buffered, then closes. */
  async drain(): Promise<void> {
    this.closing = true;
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    await nc.drain().catch((error: unknown) => this.log.warn({ err: error }, 'NATS drain failed'));
  }

  private async open(): Promise<NatsConnection> {
    const nc = await connectCoalescing({
      servers: this.options.servers.split(',').map((s) => s.trim()),
      name: `${this.options.service}/${this.options.instanceId}`,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      reconnectJitter: 500,
      pingInterval: 10_000,
      maxPingOut: 2,
      timeout: 5_000,
      // A stack captured per request (for a timeout's trace) cost ~7% of the gateway's CPU per relayed call;
      // BusRequestError names the subject instead.
      noAsyncTraces: true,
    });
    this.nc = nc;
    this.js = nc.jetstream();
    this.connected = true;
    this.log.info({ server: nc.getServer() }, 'connected to NATS');
    void this.watch(nc);
    await this.afterConnect(nc);
    return nc;
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        this.connected = false;
        this.streamReady = false;
        if (!this.closing) this.log.warn({ server: status.data }, 'lost NATS connection; reconnecting');
      } else if (status.type === Events.Reconnect) {
        this.connected = true;
        this.log.info({ server: status.data }, 'reconnected to NATS');
        void this.afterConnect(nc);
      }
    }
  }

  private async afterConnect(nc: NatsConnection): Promise<void> {
    await this.ensureStream(nc);
    for (const listener of this.listeners) await this.runListener(listener, nc);
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    const { eventsStream, prefix, eventsMaxAgeHours } = this.options;
    for (let attempt = 0; this.connected && !this.closing; attempt++) {
      try {
        await ensureEventsStream(await nc.jetstreamManager(), eventsStream, prefix, eventsMaxAgeHours);
        this.streamReady = true;
        return;
      } catch (error) {
        this.log.warn({ err: error, attempt }, 'could not ensure the events stream yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)).unref());
      }
    }
  }

  private async runListener(listener: ConnectedListener, nc: NatsConnection): Promise<void> {
    try {
      await listener(nc);
    } catch (error) {
      this.log.error({ err: error }, 'NATS connect listener failed');
    }
  }
}
