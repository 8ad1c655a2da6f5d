/**
 * The fast path's handler (`handlers/transform-in-lambda.ts`) in a fresh process, printed as one
 * line `BENCH_RESULT <json>` (the handler's own log and metric lines go to stdout too):
 *
 *   tsx bench/fast-path-worker.ts run <file.csv> <workDir> [memoryLimit] [strict | nullable-email]
 *
 * One invocation on a fresh process, timed from the handler's call to its return (the cold start,
 * the import of the handler's bundle and a DuckDB instance, is timed apart by fast-path.ts).
 *
 * The handler runs over the local FolderBucket (the bench bucket of job-run.ts: the file
 * hard-linked under `extract/`), not S3: the times hold no S3 transfer.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import type { EtlConfig } from '../core/config/dataset-config';
import type { JobArguments } from '../local/runtime/engines/glue-job';
import { createObservability, type Observability } from '../handlers/observability';
import type { FolderBucket } from '../local/runtime/folder-bucket';
import { type BenchConfig, type TransformRun, benchBucket, runBenchJob, timed } from './job-run';
import { ROOT } from './paths';

/** The marker of the result line. */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** What the fast path's handler module exports (read at run time: the module is the lead's). */
interface FastPathModule {
  createTransformInLambdaHandler(deps: {
    config: EtlConfig;
    store: FolderBucket;
    obs: Observability;
    workDir: string;
    memoryLimit?: string;
  }): (event: { Arguments: JobArguments }) => Promise<{ Id: string; JobRunState: string }>;
}

async function runHandler(file: string, workDir: string, memoryLimit: string, variant: BenchConfig): Promise<TransformRun> {
  const { bucket, config } = benchBucket(file, path.join(workDir, 'bucket'), variant);
  const scratch = path.join(workDir, 'tmp');
  mkdirSync(scratch, { recursive: true });
  const { createTransformInLambdaHandler } = (await import(path.join(ROOT, 'handlers', 'transform-in-lambda'))) as FastPathModule;
  const handler = createTransformInLambdaHandler({ config, store: bucket, obs: createObservability('etl-bench-fast-path'), workDir: scratch, memoryLimit });
  return timed('fast path', () =>
    runBenchJob(
      {
        run: async (args: JobArguments) => {
          const result = await handler({ Arguments: args });
          if (result.JobRunState !== 'SUCCEEDED') throw new Error(`the handler returned ${JSON.stringify(result)}`);
          return result;
        },
      },
      bucket,
    ),
  );
}

async function main(): Promise<void> {
  const [mode, file, workDir, memoryLimit = '2GB', variant = 'strict'] = process.argv.slice(2);
  if (mode !== 'run') throw new Error(`unknown mode ${mode}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  try {
    const run = await runHandler(file, workDir, memoryLimit, variant as BenchConfig);
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(run)}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
