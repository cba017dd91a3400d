import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail.
 *
 * `events` is partitioned by day of `occurred_at` (the event's own time, stable across redeliveries, so the
 * primary key `(id, occurred_at)` makes a redelivered event conflict with its first row). Daily partitions are
 * created ahead of time by the service; anything outside them lands in `events_default`.
 *
 * Every row is linked into one hash chain in ingestion order: `chain_seq` is gap-free (assigned under the lock on
 * `chain_head`), `hash = HMAC/SHA-256(prev_hash, row)`. Retention drops whole partitions and records the chain
 * ranges it removed in `chain_retired`, so the verifier can tell a retired range from a deleted row.
 *
 * Columns the query API filters on are generated from `data`, so the chain covers only what was received.
 */
export class CreateEvents1732000000200 implements MigrationInterface {
  name = 'CreateEvents1732000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE events (
        chain_seq bigint NOT NULL,
        id uuid NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        tenant text NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        traceparent text,
        data jsonb NOT NULL,
        stream_sequence bigint NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now(),
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL,
        trace_id text GENERATED ALWAYS AS (substring(traceparent from 4 for 32)) STORED,
        gateway text GENERATED ALWAYS AS (data->>'gateway') STORED,
        server text GENERATED ALWAYS AS (data->>'server') STORED,
        tool text GENERATED ALWAYS AS (data->>'tool') STORED,
        outcome text GENERATED ALWAYS AS (data->>'outcome') STORED,
        duration_ms double precision GENERATED ALWAYS AS (
          CASE WHEN jsonb_typeof(data->'durationMs') = 'number' THEN (data->>'durationMs')::double precision END
        ) STORED,
        PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await runner.query('CREATE TABLE events_default PARTITION OF events DEFAULT');
    await runner.query('CREATE INDEX events_chain_seq_idx ON events (chain_seq)');
    await runner.query('CREATE INDEX events_tenant_time_idx ON events (tenant, occurred_at, id)');
    await runner.query('CREATE INDEX events_tenant_type_time_idx ON events (tenant, type, occurred_at)');
    await runner.query('CREATE INDEX events_tenant_actor_time_idx ON events (tenant, actor_id, occurred_at)');
    await runner.query(
      'CREATE INDEX events_tenant_tool_time_idx ON events (tenant, tool, occurred_at) WHERE tool IS NOT NULL',
    );
    await runner.query(
      'CREATE INDEX events_tenant_server_time_idx ON events (tenant, server, occurred_at) WHERE server IS NOT NULL',
    );
    await runner.query('CREATE INDEX events_trace_id_idx ON events (trace_id) WHERE trace_id IS NOT NULL');

    // The chain's head: one row, locked by every ingesting transaction, so replicas append one after another.
    await runner.query(`
      CREATE TABLE chain_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash bytea NOT NULL
      )`);
    await runner.query(`INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '\\x'::bytea)`);
    // Ranges of the chain removed by retention (never by hand): the verifier accepts these gaps, nothing else.
    // `mac` seals each record with the chain key, so a made-up record cannot hide deleted rows.
    await runner.query(`
      CREATE TABLE chain_retired (
        from_seq bigint NOT NULL,
        to_seq bigint NOT NULL,
        last_hash bytea NOT NULL,
        partition text NOT NULL,
        mac bytea NOT NULL,
        retired_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (from_seq)
      )`);

    await runner.query(`
      CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        stream_sequence bigint NOT NULL UNIQUE,
        payload text NOT NULL,
        error text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE dead_letters');
    await runner.query('DROP TABLE chain_retired');
    await runner.query('DROP TABLE chain_head');
    await runner.query('DROP TABLE events');
  }
}
