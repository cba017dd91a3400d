/** Gateway-internal NATS subject of a stream's events, for replicas serving a client that resumed it elsewhere. */
export const SSE_STREAM_SUBJECT = 'mcp.v1.sse-stream';

export interface SseLogLimits {
  maxEvents: number;
  maxBytes: number;
  ttlMs: number;
}

export interface SseStreamKeys {
  stream: string;
  /** Redis list of the stream's recorded events, oldest first. */
  events: string;
  /** Redis hash: which session the stream belongs to, POST or GET, the request it answers, its deadline. */
  meta: string;
  /** NATS subject on which the writing replica announces each event once it is in the log. */
  subject: string;
  /** NATS subject on which the writing replica of a GET stream answers replicas still following it. */
  attach: string;
}

export const sseStreamKeys = (stream: string, subjectPrefix: string): SseStreamKeys => ({
  stream,
  events: `mcp:sse:v1:${stream}:events`,
  meta: `mcp:sse:v1:${stream}:meta`,
  subject: `${subjectPrefix}${SSE_STREAM_SUBJECT}.${stream}`,
  attach: `${subjectPrefix}${SSE_STREAM_SUBJECT}.${stream}.attach`,
});
