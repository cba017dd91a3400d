import type { Database } from '../database';

/** An event as the outbox keeps it (the shape of `EventOutbox` in libs/messaging, which this lib may not import). */
export interface StoredEvent {
  id: string;
  type: string;
  payload: string;
  headers: Record<string, string>;
}

interface OutboxRow {
  event_id: string;
  type: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * The event outbox on the service's own schema (table `outbox`, created by the kit's migration). Relays of several
 * replicas share it: each claims the oldest rows no other one holds (`FOR UPDATE SKIP LOCKED`) and deletes only
 * what the stream acknowledged, in the same transaction.
 */
export class PostgresEventOutbox {
  private initialised = false;

  constructor(private readonly db: Database) {
    void db.whenInitialised.then(() => (this.initialised = true));
  }

  async append(event: StoredEvent): Promise<void> {
    this.assertUsable();
    await this.db.dataSource.query(
      `INSERT INTO outbox (event_id, type, payload, headers) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO NOTHING`,
      [event.id, event.type, event.payload, JSON.stringify(event.headers)],
    );
  }

  async relay(limit: number, send: (events: StoredEvent[]) => Promise<string[]>): Promise<number> {
    this.assertUsable();
    return this.db.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT event_id, type, payload, headers FROM outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const acked = await send(
        rows.map((row) => ({ id: row.event_id, type: row.type, payload: row.payload, headers: row.headers })),
      );
      if (acked.length > 0) await manager.query('DELETE FROM outbox WHERE event_id = ANY($1::uuid[])', [acked]);
      return rows.length;
    });
  }

  async pending(): Promise<number> {
    this.assertUsable();
    const [row] = await this.db.dataSource.query<{ pending: number }[]>('SELECT count(*)::int AS pending FROM outbox');
    return row?.pending ?? 0;
  }

  /** Before the migrations ran there is no table (and maybe no pool): fail at once rather than after a timeout. */
  private assertUsable(): void {
    if (!this.initialised) throw new Error('Postgres not initialised yet');
  }
}
