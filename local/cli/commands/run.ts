/** `etl run <files...>`: each file through the local pipeline, one line per file. */
import type { Command } from 'commander';

import type { EngineName } from '../../runtime/engines/glue-job';
import { formatRunResult } from '../../shared/run-result';
import { type CliContext, EXIT } from '../cli-context';
import { configOption, engineOption, faultOption, jsonOption, memorySize, openPipeline, positiveInt, rootOption } from '../options';
import { StageProgress } from '../progress';
import { runFiles } from '../run-files';

/** The options of `etl run`. */
export interface RunOptions {
  readonly root: string;
  readonly config?: string;
  readonly dataset?: string;
  readonly json?: boolean;
  readonly engine?: EngineName;
  readonly memoryLimit: string;
  readonly maxConcurrentRuns: number;
  readonly fault: string[];
}

/** Adds `run` to the program. */
export function runCommand(program: Command, { io, result }: CliContext): Command {
  return program
    .command('run')
    .description('put each CSV under extract/, send its S3 event to the trigger, wait for the outcome; one line per file')
    .argument('<files...>', 'CSV files to upload')
    .addOption(rootOption())
    .addOption(configOption())
    .option('--dataset <name>', 'upload under a key that this dataset matches')
    .addOption(jsonOption('print one JSON object per file'))
    .addOption(engineOption())
    .option('--memory-limit <size>', 'DuckDB memory limit of the transform, e.g. 1GB', memorySize, '2GB')
    .option('--max-concurrent-runs <n>', 'Glue job concurrency limit (beyond it the ASL retries)', positiveInt, 2)
    .addOption(faultOption())
    .action(async (files: string[], opts: RunOptions) => {
      const progress = new StageProgress();
      const pipeline = openPipeline(opts, progress.hooks());
      try {
        const results = await runFiles(pipeline, files, {
          dataset: opts.dataset,
          onResult: (outcome) => {
            progress.done(outcome.executionName);
            io.out(opts.json ? JSON.stringify(outcome) : formatRunResult(outcome));
          },
        });
        result.exitCode = results.some((r) => r.status === 'FAILURE') ? EXIT.failed : EXIT.ok;
      } finally {
        progress.clear();
        pipeline.close();
      }
    });
}
