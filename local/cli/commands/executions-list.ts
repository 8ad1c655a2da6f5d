/** `etl executions list`: executions, newest first, from the local history or AWS. */
import { type Command, Option } from 'commander';

import type { ExecutionStatus } from '../../runtime/execution-store';
import { listAwsExecutions } from '../aws-executions';
import { type AwsOptions, awsOptions, stateMachineArn, withStepFunctions } from '../aws-options';
import type { CliContext } from '../cli-context';
import { jsonOption, openPipeline, positiveInt, rootOption } from '../options';

/** The options of `etl executions list`. */
export interface ExecutionsListOptions extends AwsOptions {
  readonly root: string;
  readonly status?: ExecutionStatus;
  readonly limit: number;
  readonly json?: boolean;
}

/** Adds `list` to `etl executions`. */
export function executionsListCommand(executions: Command, { io }: CliContext): Command {
  return awsOptions(
    executions
      .command('list')
      .description('executions, newest first')
      .addOption(rootOption())
      .addOption(
        new Option('--status <status>', 'only executions with this status').choices([
          'RUNNING',
          'SUCCEEDED',
          'FAILED',
          'ABORTED',
          'TIMED_OUT',
          'PENDING_REDRIVE',
        ]),
      )
      .option('--limit <n>', 'at most this many', positiveInt, 50)
      .addOption(jsonOption('print one JSON object per execution')),
  ).action(async (opts: ExecutionsListOptions) => {
    if (opts.aws) {
      const arn = stateMachineArn(opts);
      for (const line of await withStepFunctions(opts, arn, (sfn) => listAwsExecutions(sfn, arn, opts))) io.out(line);
      return;
    }
    const pipeline = openPipeline(opts);
    try {
      for (const record of pipeline.store.list({ status: opts.status, limit: opts.limit })) {
        if (opts.json) io.out(JSON.stringify(record));
        else io.out([record.status.padEnd(9), record.startDate, record.name, record.inputKey, record.error ?? ''].join('  ').trimEnd());
      }
    } finally {
      pipeline.close();
    }
  });
}
