/** `etl watch`: event-driven mode, each CSV dropped into the bucket's extract/ processed. */
import type { Command } from 'commander';

import type { EngineName } from '../../runtime/engines/glue-job';
import type { LocalNotification } from '../../runtime/local-pipeline';
import { formatDuplicateOf, formatRunResult, type RunResult } from '../../shared/run-result';
import type { CliContext } from '../cli-context';
import { describeConfig, resolveConfig } from '../config-file';
import { configOption, engineOption, faultOption, jsonOption, openPipeline, positiveInt, rootOption } from '../options';
import { StageProgress } from '../progress';
import { DEFAULT_STABLE_MS, watchBucket } from '../watch';

/** The options of `etl watch`. */
export interface WatchOptions {
  readonly root: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly engine?: EngineName;
  readonly maxConcurrentRuns: number;
  readonly stableMs: number;
  readonly fault: string[];
}

/** Adds `watch` to the program. */
export function watchCommand(program: Command, { io: cliIo }: CliContext): Command {
  return program
    .command('watch')
    .description('event-driven mode: process CSV files as they are dropped into <root>/bucket/extract/ (Ctrl-C stops)')
    .addOption(rootOption())
    .addOption(configOption())
    .addOption(jsonOption('print one JSON object per file (the banner and progress on stderr)'))
    .addOption(engineOption())
    .option('--max-concurrent-runs <n>', 'Glue job concurrency limit (beyond it the ASL retries)', positiveInt, 2)
    .addOption(faultOption())
    .option('--stable-ms <ms>', 'a file is taken once it has not changed for this long', positiveInt, DEFAULT_STABLE_MS)
    .action(async (opts: WatchOptions) => {
      const config = resolveConfig(opts.config);
      // On a terminal, the running files' progress on stderr; each line printed clears it first.
      const progress = new StageProgress();
      const io = progress.around(cliIo);
      const pipeline = openPipeline(opts, {
        ...progress.hooks(),
        onNotification: (n: LocalNotification) => io.err(`notification → ${n.topic}: ${n.subject ?? ''}`),
      });
      await watchBucket(
        pipeline,
        {
          // The banner goes to stderr: with --json, stdout carries JSON lines only.
          onReady: (dir) => (opts.json ? io.err : io.out)(`watching ${dir} (config ${describeConfig(config)}; Ctrl-C to stop)`),
          onResult: (result: RunResult) => {
            progress.done(result.executionName);
            io.out(opts.json ? JSON.stringify(result) : formatRunResult(result));
          },
          onSkipped: (key, reason) => io.err(`skipped ${key}: ${reason}`),
          onDuplicate: (key, _executionName, archived, of) =>
            io.err(`duplicate upload ${key}: ${formatDuplicateOf(of)}${archived ? '; archived, removed from extract/' : ''}`),
        },
        // A closed stdout (`etl watch | head -1`) stops the watch as Ctrl-C does.
        io.stdoutClosed,
        { stableMs: opts.stableMs },
      );
      progress.clear();
      pipeline.close();
    });
}
