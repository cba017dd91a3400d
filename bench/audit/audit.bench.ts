import { runIngestBench } from './ingest.bench';
import { runQueryBench } from './query.bench';

/** `npm run bench:audit`: the audit service's benchmarks, one after the other. */
async function main(): Promise<void> {
  // BENCH_AUDIT=ingest|query runs one of them (the query bench loads 10 million rows first: about 20 minutes here).
  const only = process.env['BENCH_AUDIT'];
  if (!only || only === 'ingest') await runIngestBench();
  if (!only || only === 'query') await runQueryBench();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
