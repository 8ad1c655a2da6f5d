/**
 * The state machine definition as the local runtime runs it: `statemachine/etl.asl.json` with its
 * placeholders filled, as CloudFormation's `DefinitionSubstitutions` do on AWS. Locally the ARNs
 * are fixed names the runtime maps to in-process handlers.
 */
import type { StateMachine } from 'aws-local-stepfunctions';

import { TOPICS } from '../../core/outcome';
import { GLUE_JOB, LAMBDA_STEPS, TASK_STEP_KEYS, TOPIC_PLACEHOLDERS, TOPIC_ROLES } from '../../core/pipeline-steps';
import { loadDefinition, type StateMachineDefinition } from '../../statemachine/definition';

/** Types of the local interpreter's API that it does not export by name. */
export type Definition = ConstructorParameters<typeof StateMachine>[0];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
/** Task handlers by state name, as `taskResourceLocalHandlers` takes them. */
export type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
/** An execution input, as `StateMachine.run` takes it. */
export type JsonInput = Parameters<StateMachine['run']>[0];

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const lambdaArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const topicArn = (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

/**
 * The local values of every placeholder of the ASL, derived from the step table. A local function
 * is named by its service, as its log file is (`logs/lambda/<service>.log`).
 */
export const LOCAL_SUBSTITUTIONS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(TASK_STEP_KEYS.map((key) => [LAMBDA_STEPS[key].aslPlaceholder, lambdaArn(LAMBDA_STEPS[key].service)])),
  [GLUE_JOB.aslPlaceholder]: GLUE_JOB.jobName,
  ...Object.fromEntries(TOPIC_ROLES.map((role) => [TOPIC_PLACEHOLDERS[role], topicArn(TOPICS[role])])),
};

/** The ASL definition with the local substitutions applied. */
export function loadLocalDefinition(): StateMachineDefinition {
  return loadDefinition(LOCAL_SUBSTITUTIONS);
}
