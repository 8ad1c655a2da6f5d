/**
 * `etl executions … --aws`: the same list / show / redrive against AWS Step Functions, with
 * `@aws-sdk/client-sfn` (ListExecutions, DescribeExecution, GetExecutionHistory, RedriveExecution).
 */
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';

import { UsageError } from '../shared/errors';

/** The execution ARN of a name under a state machine (an ARN given as the name is kept). */
export function executionArn(stateMachineArn: string, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  const match = /^arn:(aws[a-z-]*):states:([^:]+):(\d{12}):stateMachine:([^:]+)$/.exec(stateMachineArn);
  if (!match) throw new UsageError(`--state-machine must be a state machine ARN, got "${stateMachineArn}"`);
  const [, partition, region, account, machine] = match;
  return `arn:${partition}:states:${region}:${account}:execution:${machine}:${nameOrArn}`;
}

/** One line per execution, newest first (as ListExecutions returns them). */
export async function listAwsExecutions(sfn: SFNClient, stateMachineArn: string, options: { status?: string; limit: number }): Promise<string[]> {
  const lines: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn,
        statusFilter: options.status as ExecutionStatus | undefined,
        maxResults: Math.min(options.limit - lines.length, 1000),
        nextToken,
      }),
    );
    for (const e of page.executions ?? []) {
      const redrive = e.redriveCount ? ` (redriven ${e.redriveCount}×)` : '';
      lines.push(`${(e.status ?? '').padEnd(9)}  ${e.startDate?.toISOString() ?? ''}  ${e.name ?? ''}${redrive}`);
    }
    nextToken = page.nextToken;
  } while (nextToken && lines.length < options.limit);
  return lines;
}

/** Status, error and the event history of one execution. */
export async function showAwsExecution(sfn: SFNClient, arn: string): Promise<{ summary: string[]; events: HistoryEvent[] }> {
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const summary = [
    `${execution.name}`,
    `  status: ${execution.status}${execution.redriveCount ? ` (redriven ${execution.redriveCount}×)` : ''}`,
    `  started: ${execution.startDate?.toISOString() ?? '-'}`,
    `  stopped: ${execution.stopDate?.toISOString() ?? '-'}`,
    ...(execution.error ? [`  error: ${execution.error}: ${execution.cause ?? ''}`] : []),
    ...(execution.redriveStatus ? [`  redrive: ${execution.redriveStatus}${execution.redriveStatusReason ? ` (${execution.redriveStatusReason})` : ''}`] : []),
  ];
  return { summary, events };
}

/** Sends RedriveExecution; returns the redrive date. */
export async function redriveAwsExecution(sfn: SFNClient, arn: string): Promise<Date | undefined> {
  const out = await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
  return out.redriveDate;
}

/** A history event as one line: time, type, state name. */
export function formatHistoryEvent(event: HistoryEvent): string {
  const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name ?? '';
  const failure = event.executionFailedEventDetails ?? event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
  const error = failure ? `  ${failure.error ?? ''}: ${failure.cause ?? ''}` : '';
  return `    ${event.timestamp?.toISOString() ?? ''}  ${(event.type ?? '').padEnd(24)} ${name}${error}`.trimEnd();
}
