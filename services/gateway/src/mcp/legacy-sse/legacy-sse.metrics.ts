import { Injectable } from '@nestjs/common';
import { Metrics } from '@portcullis/observability';
import { Counter, Gauge } from 'prom-client';

/** How a POST of a legacy HTTP+SSE client was handed to its stream. */
export type LegacyPostOutcome = 'accepted' | 'stream_gone' | 'failed';

/** Streams of the deprecated HTTP+SSE transport on this replica, and where their POSTs went. */
@Injectable()
export class LegacySseMetrics {
  readonly streams: Gauge;
  private readonly posts: Counter<'route' | 'outcome'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.streams = new Gauge({
      name: 'portcullis_mcp_legacy_sse_streams',
      help: 'Open SSE streams of the deprecated HTTP+SSE transport held by this gateway replica.',
      registers,
    });
    this.posts = new Counter({
      name: 'portcullis_mcp_legacy_sse_posts_total',
      help: 'Messages POSTed by legacy HTTP+SSE clients, by whether this replica held the stream (local) or relayed them over the bus (relayed), and how that ended.',
      labelNames: ['route', 'outcome'],
      registers,
    });
  }

  posted(route: 'local' | 'relayed', outcome: LegacyPostOutcome): void {
    this.posts.inc({ route, outcome });
  }
}
