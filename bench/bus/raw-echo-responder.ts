import { connect } from 'nats';

/**
 * The baseline's other side: a separate process answering requests with a raw `nats` client and nothing else
 * (no validation, no Nest, no tracing), as the bus service does in its own process.
 */
async function main(servers: string, subject: string): Promise<void> {
  const nc = await connect({ servers });
  nc.subscribe(subject, { queue: 'raw-echo', callback: (_err, msg) => msg.respond(msg.data) });
  await nc.flush();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void nc.drain().then(() => process.exit(0)));
}

void main(process.argv[2], process.argv[3]);
