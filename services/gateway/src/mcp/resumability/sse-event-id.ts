import { randomBytes } from 'node:crypto';

/** `s1.<stream>.<seq>`: the stream a Last-Event-ID belongs to travels in the id itself. */
const EVENT_ID = /^s1\.([A-Za-z0-9_-]{22})\.(\d{1,15})$/;

export interface SseEventId {
  stream: string;
  seq: number;
}

/** A new stream id: 128 random bits, so ids are unique across streams, sessions and gateway replicas. */
export const newStreamId = (): string => randomBytes(16).toString('base64url');

export const formatEventId = (stream: string, seq: number): string => `s1.${stream}.${seq}`;

/** The stream and position an event id names; undefined for anything the gateway did not issue. */
export function parseEventId(value: string): SseEventId | undefined {
  const match = EVENT_ID.exec(value.trim());
  if (!match) return undefined;
  const seq = Number(match[2]);
  return Number.isSafeInteger(seq) ? { stream: match[1], seq } : undefined;
}
