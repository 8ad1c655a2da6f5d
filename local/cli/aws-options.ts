/** The --aws options of `etl executions`: which state machine, which region, which client. */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';

import { UsageError } from '../shared/errors';
import { callAws } from './aws-errors';
import { executionArn } from './aws-executions';

/** The options of a command that can ask AWS Step Functions instead of the local history. */
export interface AwsOptions {
  readonly aws?: boolean;
  readonly stateMachine?: string;
  readonly region?: string;
}

/** Adds --aws, --state-machine and --region to a command. */
export function awsOptions(command: Command): Command {
  return command
    .option('--aws', 'use AWS Step Functions (credentials from the usual AWS SDK chain) instead of the local history')
    .option('--state-machine <arn>', 'with --aws: the state machine ARN (default: ETL_STATE_MACHINE_ARN)')
    .option('--region <region>', 'with --aws: the AWS region (default: from the environment)');
}

/** The state machine ARN for --aws: the option, else ETL_STATE_MACHINE_ARN. */
export function stateMachineArn(opts: AwsOptions): string {
  const arn = opts.stateMachine ?? process.env.ETL_STATE_MACHINE_ARN;
  if (!arn) throw new UsageError('--aws needs --state-machine ARN (or ETL_STATE_MACHINE_ARN)');
  return arn;
}

/** The Step Functions client for an ARN: the region of --region, else the ARN's own. */
export function sfnClient(opts: AwsOptions, arn: string): SFNClient {
  const region = opts.region || /^arn:aws[\w-]*:states:([a-z0-9-]+):/.exec(arn)?.[1];
  if (!region) throw new UsageError(`${arn}: not a Step Functions ARN with a region; give --region`);
  // The SDK's notice that its 2027 releases need Node 22 is ten lines on stderr, on Node 20, before
  // every command's output; the README's Node versions section says it instead.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new SFNClient({ region });
}

/**
 * Sends requests with the Step Functions client of {@link sfnClient}; an error of AWS, of the
 * credentials or of the way to AWS becomes one line naming the fix (aws-errors.ts), exit 1.
 */
export function withStepFunctions<T>(opts: AwsOptions, arn: string, requests: (sfn: SFNClient) => Promise<T>): Promise<T> {
  const sfn = sfnClient(opts, arn);
  return callAws(() => requests(sfn));
}

/** With --aws: an execution ARN given as is, or a name under the state machine. */
export function awsExecutionArn(opts: AwsOptions, nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : executionArn(stateMachineArn(opts), nameOrArn);
}
