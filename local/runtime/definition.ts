/**
 * Loads `statemachine/etl.asl.json` and fills its `${…}` placeholders, as CloudFormation's
 * `DefinitionSubstitutions` do on AWS. Locally the ARNs are fixed names the runtime maps to
 * in-process handlers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { StateMachine } from 'aws-local-stepfunctions';

import { ConfigError } from '../../core/errors';

/** Types of the local interpreter's API that it does not export by name. */
export type Definition = ConstructorParameters<typeof StateMachine>[0];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
/** Task handlers by state name, as `taskResourceLocalHandlers` takes them. */
export type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
/** An execution input, as `StateMachine.run` takes it. */
export type JsonInput = Parameters<StateMachine['run']>[0];

/** The ASL file, relative to the project root. */
export const ASL_PATH = path.resolve(__dirname, '..', '..', 'statemachine', 'etl.asl.json');

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const lambdaArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const topicArn = (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

/** The local values of every placeholder of the ASL. */
export const LOCAL_SUBSTITUTIONS: Readonly<Record<string, string>> = {
  ValidateFunctionArn: lambdaArn('etl-validate'),
  RejectFunctionArn: lambdaArn('etl-reject'),
  DescribeFailureFunctionArn: lambdaArn('etl-describe-failure'),
  SummarizeFunctionArn: lambdaArn('etl-summarize'),
  ArchiveFunctionArn: lambdaArn('etl-archive'),
  RedriveGateFunctionArn: lambdaArn('etl-redrive-gate'),
  GlueJobName: 'etl-transformation-job',
  SuccessTopicArn: topicArn('etl-job-success'),
  WarningTopicArn: topicArn('etl-job-warning'),
  FailureTopicArn: topicArn('etl-job-failure'),
  CriticalTopicArn: topicArn('etl-critical-alerts'),
};

/** The `${Name}` placeholders used in an ASL text. */
export function placeholdersOf(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
}

/** Replaces every placeholder; an unknown one is a {@link ConfigError}. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new ConfigError(`the state machine uses \${${name}}, which has no substitution`);
    return value;
  });
}

/** The ASL definition with the local substitutions applied. */
export function loadLocalDefinition(file = ASL_PATH): Record<string, unknown> {
  return JSON.parse(substitute(readFileSync(file, 'utf-8'), LOCAL_SUBSTITUTIONS)) as Record<string, unknown>;
}
