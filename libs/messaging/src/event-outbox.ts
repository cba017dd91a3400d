/** An event waiting to reach the stream, kept exactly as it goes on the wire. */
export interface OutboxEvent {
  /** The event id, sent as `Nats-Msg-Id` so the stream stores a re-sent event once. */
  id: string;
  /** The event's subject without the bus prefix (the envelope's `type`). */
  type: string;
  /** The envelope as JSON. */
  payload: string;
  /** Message headers as they were when the event was published (trace context, tenant, actor). */
  headers: Record<string, string>;
}

/**
 * The service's durable local store for events the stream has not acknowledged. The bus library only knows this
 * interface; `libs/persistence` implements it on a table in the service's own schema.
 */
export interface EventOutbox {
  /** Stores the event durably (resolves once committed); storing the same id twice keeps one. */
  append(event: OutboxEvent): Promise<void>;
  /**
   * Claims up to `limit` of the oldest events no other relay holds, hands them to `send` oldest first, removes the
   * ones whose ids `send` returns and releases the others, all in one transaction. Resolves with how many it claimed.
   */
  relay(limit: number, send: (events: OutboxEvent[]) => Promise<string[]>): Promise<number>;
  /** How many events are waiting (those of every replica of the service). */
  pending(): Promise<number>;
}
