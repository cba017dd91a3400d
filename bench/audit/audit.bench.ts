import { runIngestBench } from './ingest.bench';

/** `npm run bench:audit`: the audit service's benchmarks, one after the other. */
async function main(): Promise<void> {
  await runIngestBench();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
