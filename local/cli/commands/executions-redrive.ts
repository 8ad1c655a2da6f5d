/** `etl executions redrive <name>`: resumes a FAILED or ABORTED execution at the state that failed. */
import type { Command } from 'commander';

import type { EngineName } from '../../runtime/engines/glue-job';
import { formatRunResult, runResult } from '../../shared/run-result';
import { redriveAwsExecution } from '../aws-executions';
import { type AwsOptions, awsExecutionArn, awsOptions, withStepFunctions } from '../aws-options';
import { type CliContext, EXIT } from '../cli-context';
import { configOption, faultOption, jsonOption, openPipeline, redriveEngineOption, rootOption } from '../options';
import { StageProgress } from '../progress';

/** The options of `etl executions redrive`. */
export interface ExecutionsRedriveOptions extends AwsOptions {
  readonly root: string;
  readonly config?: string;
  readonly engine?: EngineName;
  readonly fault: string[];
  readonly json?: boolean;
}

/** Adds `redrive` to `etl executions`. */
export function executionsRedriveCommand(executions: Command, { io, result }: CliContext): Command {
  return awsOptions(
    executions
      .command('redrive')
      .description('resume a FAILED or ABORTED execution at the state that failed (same input; succeeded states are not rerun)')
      .argument('<name>', 'execution name (or, with --aws, an execution ARN)')
      .addOption(rootOption())
      .addOption(configOption())
      .addOption(redriveEngineOption())
      .addOption(faultOption())
      .addOption(jsonOption('print the outcome as one JSON object')),
  ).action(async (name: string, opts: ExecutionsRedriveOptions) => {
    if (opts.aws) {
      const arn = awsExecutionArn(opts, name);
      const date = await withStepFunctions(opts, arn, (sfn) => redriveAwsExecution(sfn, arn));
      io.out(`redrive started: ${arn} at ${date?.toISOString() ?? 'now'}; watch it with: etl executions show --aws ${arn}`);
      return;
    }
    const progress = new StageProgress();
    const pipeline = openPipeline(opts, progress.hooks());
    try {
      const { resumedAt, redriveCount } = pipeline.redrive(name);
      io.err(`redrive ${redriveCount} of ${name}: resuming at ${resumedAt}`);
      const record = await pipeline.waitFor(name);
      progress.done(name);
      const outcome = runResult(record, pipeline.store.events(name));
      io.out(opts.json ? JSON.stringify(outcome) : formatRunResult(outcome));
      result.exitCode = record.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
    } finally {
      progress.clear();
      pipeline.close();
    }
  });
}
