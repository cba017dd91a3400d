import type { Logger } from 'pino';
import { DataSource, type MigrationInterface, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  schema: string;
  poolMax: number;
  service: string;
  migrations: (new () => MigrationInterface)[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM accepts entity classes of any shape
  entities?: (Function | EntitySchema)[];
}

const MAX_BACKOFF_MS = 10_000;

/** A stable 64-bit key for pg_advisory_lock, so only one replica migrates a schema at a time. */
const lockKeyOf = (schema: string): string => {
  let hash = 0n;
  for (const char of `portcullis:migrate:${schema}`)
    hash = (hash * 31n + BigInt(char.charCodeAt(0))) & 0x7fffffffffffffffn;
  return hash.toString();
};

/**
 * The service's Postgres: its own schema, its own migrations (run at start under an advisory lock, never
 * `synchronize`). If Postgres is down the service starts anyway, reports not-ready, and keeps trying; the pool
 * reconnects by itself after an outage.
 */
export class Database {
  readonly dataSource: DataSource;
  private initialised = false;
  private stopped = false;
  readonly whenInitialised: Promise<void>;

  constructor(
    private readonly options: DatabaseOptions,
    private readonly log: Logger,
  ) {
    this.dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      schema: options.schema,
      entities: options.entities ?? [],
      migrations: options.migrations,
      migrationsTableName: 'migrations',
      migrationsRun: false,
      synchronize: false,
      logging: false,
      applicationName: `portcullis-${options.service}`,
      extra: {
        max: options.poolMax,
        connectionTimeoutMillis: 3_000,
        idleTimeoutMillis: 30_000,
        options: `-c search_path=${options.schema},public`,
      },
    });
    this.whenInitialised = this.initialiseWithRetry();
  }

  async isReady(): Promise<boolean> {
    if (!this.initialised) return false;
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async initialiseWithRetry(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.initialise();
        return;
      } catch (error) {
        const delay = Math.min(500 * 2 ** attempt, MAX_BACKOFF_MS);
        this.log.warn({ err: error, attempt, retryInMs: delay }, 'Postgres not usable yet; retrying');
        if (this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  private async initialise(): Promise<void> {
    await this.dataSource.initialize();
    const driver = this.dataSource.driver as unknown as {
      master?: { on(event: string, cb: (e: Error) => void): void };
    };
    driver.master?.on('error', (error) => this.log.warn({ err: error }, 'idle Postgres connection lost'));
    const { schema } = this.options;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock($1)', [lockKeyOf(schema)]);
      try {
        await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        const applied = await this.dataSource.runMigrations({ transaction: 'each' });
        if (applied.length > 0) this.log.info({ schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockKeyOf(schema)]);
      }
    } finally {
      await runner.release();
    }
    this.initialised = true;
    this.log.info({ schema }, 'Postgres ready');
  }
}
