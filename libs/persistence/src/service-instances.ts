import type { Database } from './database';

/** Records this replica in its schema's `service_instances` table at start and at graceful stop. */
export const serviceInstances = {
  async started(db: Database, instanceId: string, version: string): Promise<void> {
    await db.dataSource.query(
      `INSERT INTO service_instances (instance_id, version, started_at, last_seen_at)
       VALUES ($1, $2, now(), now())
       ON CONFLICT (instance_id) DO UPDATE SET version = $2, started_at = now(), last_seen_at = now(), stopped_at = NULL`,
      [instanceId, version],
    );
  },
  async stopped(db: Database, instanceId: string): Promise<void> {
    await db.dataSource.query(
      'UPDATE service_instances SET stopped_at = now(), last_seen_at = now() WHERE instance_id = $1',
      [instanceId],
    );
  },
};
