/** `etl executions show <name>`: one execution, its outcome and its state events. */
import path from 'node:path';

import type { Command } from 'commander';

import { ExecutionNotFoundError } from '../../runtime/errors';
import { formatRunResult, runResult } from '../../shared/run-result';
import { formatHistoryEvent, showAwsExecution } from '../aws-executions';
import { type AwsOptions, awsExecutionArn, awsOptions, withStepFunctions } from '../aws-options';
import type { CliContext } from '../cli-context';
import { jsonOption, openPipeline, rootOption } from '../options';

/** The options of `etl executions show`. */
export interface ExecutionsShowOptions extends AwsOptions {
  readonly root: string;
  readonly json?: boolean;
}

/** Adds `show` to `etl executions`. */
export function executionsShowCommand(executions: Command, { io }: CliContext): Command {
  return awsOptions(
    executions
      .command('show')
      .description('one execution: status, input, outcome and its state events')
      .argument('<name>', 'execution name (or, with --aws, an execution ARN)')
      .addOption(rootOption())
      .addOption(jsonOption('print the execution and its events as one JSON object')),
  ).action(async (name: string, opts: ExecutionsShowOptions) => {
    if (opts.aws) {
      const arn = awsExecutionArn(opts, name);
      const shown = await withStepFunctions(opts, arn, (sfn) => showAwsExecution(sfn, arn));
      if (opts.json) io.out(JSON.stringify(shown));
      else for (const line of [...shown.summary, '  events:', ...shown.events.map(formatHistoryEvent)]) io.out(line);
      return;
    }
    const pipeline = openPipeline(opts);
    try {
      const record = pipeline.store.get(name);
      if (!record) throw new ExecutionNotFoundError(`no execution named ${name} under ${path.resolve(opts.root)}`);
      const events = pipeline.store.events(name);
      if (opts.json) {
        io.out(JSON.stringify({ execution: record, events }));
        return;
      }
      const redriven = record.redriveCount > 0 ? ` (redriven ${record.redriveCount}×)` : '';
      io.out(`${record.name}\n  status: ${record.status}${redriven}\n  started: ${record.startDate}\n  stopped: ${record.stopDate ?? '-'}`);
      if (record.error) io.out(`  error: ${record.error}: ${record.cause ?? ''}`);
      if (record.status !== 'RUNNING') io.out(`  outcome: ${formatRunResult(runResult(record, events))}`);
      io.out('  events:');
      for (const event of events) io.out(`    ${event.timestamp}  ${event.type.padEnd(16)} ${event.state ?? ''}`.trimEnd());
    } finally {
      pipeline.close();
    }
  });
}
