import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The service's Redis client. It reconnects with backoff forever; commands fail fast while it is away rather
 * than queueing without bound, and readiness follows the connection.
 */
export class RedisStore {
  readonly client: Redis;

  constructor(url: string, keyPrefix: string, service: string, log: Logger) {
    this.client = new Redis(url, {
      keyPrefix,
      connectionName: `portcullis-${service}`,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
    });
    let down = false;
    this.client.on('error', (error: Error) => {
      if (!down) log.warn({ err: error }, 'Redis unavailable; reconnecting');
      down = true;
    });
    this.client.on('ready', () => {
      if (down) log.info('Redis reconnected');
      down = false;
    });
  }

  async isReady(): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
