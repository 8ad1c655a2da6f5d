/**
 * The Standard state machine defined by `statemachine/etl.asl.json`. The definition is inlined,
 * so CDK infers no permission from it: every statement of the role is written here, one per kind
 * of Task in the ASL, and `test/infra/iam-permissions.test.ts` pins them to the ASL.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

import { GLUE_JOB, LAMBDA_STEPS, TASK_STEP_KEYS, TOPIC_PLACEHOLDERS, TOPIC_ROLES } from '../../core/pipeline-steps';
import { assertSubstitutionsMatch, readAslText } from '../../statemachine/definition';
import type { PhysicalNames } from '../physical-names';
import type { TopicRole } from '../settings';
import type { FunctionKey } from './pipeline-functions';

/** The state machine's name before the stage prefix. */
export const STATE_MACHINE_NAME = 'etl-pipeline';

/**
 * What the execution log holds: every event (ALL), without execution data. The states' input
 * and output, and the error causes, hold S3 keys, row counts and, for a rejected file, the
 * rejected record and its values (e-mail addresses, names): with `includeExecutionData: false`
 * none of it reaches CloudWatch Logs. ALL rather than ERROR: without data each event is only its
 * type, state, timestamp and ids, about 10–15 lines per file (Standard workflows log each state
 * transition), so the log stays a complete, value-free timeline of every execution (which states
 * ran, retries, durations) for Logs Insights, at a negligible cost. The data itself stays in the
 * execution history, which the Step Functions console and `etl executions show --aws` read (90 days).
 */
export const STATE_MACHINE_LOGGING = { level: sfn.LogLevel.ALL, includeExecutionData: false } as const;

/** Properties of {@link EtlStateMachine}. */
export interface EtlStateMachineProps {
  readonly names: PhysicalNames;
  /** The pipeline's functions; those with an ASL placeholder are the state machine's Tasks. */
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  readonly topics: Readonly<Record<TopicRole, ITopic>>;
  /** The Glue job's name (a reference, so the machine is created after the job). */
  readonly glueJobName: string;
  /** The Glue job's ARN. */
  readonly glueJobArn: string;
  /** The key the topics are encrypted with (publishing needs it). */
  readonly encryptionKey: IKey;
  readonly logRetention: logs.RetentionDays;
}

/** The pipeline's state machine, its execution log group and its role's statements. */
export class EtlStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The values of the ASL's placeholders (the template's `DefinitionSubstitutions`). */
  readonly substitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: EtlStateMachineProps) {
    super(scope, id);
    const { functions, topics } = props;
    const stateMachineName = props.names.of(STATE_MACHINE_NAME);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const taskFunctions = TASK_STEP_KEYS.map((key) => ({ placeholder: LAMBDA_STEPS[key].aslPlaceholder, fn: functions[key] }));
    this.substitutions = {
      ...Object.fromEntries(taskFunctions.map(({ placeholder, fn }) => [placeholder, fn.functionArn])),
      [GLUE_JOB.aslPlaceholder]: props.glueJobName,
      ...Object.fromEntries(TOPIC_ROLES.map((role) => [TOPIC_PLACEHOLDERS[role], topics[role].topicArn])),
    };

    const asl = readAslText();
    assertSubstitutionsMatch(asl, this.substitutions);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(asl),
      definitionSubstitutions: this.substitutions,
      logs: { destination: this.logGroup, ...STATE_MACHINE_LOGGING },
      tracingEnabled: true,
    });

    // Lambda Tasks name the function ARN as their Resource: invoke exactly those functions.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InvokeStepFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: taskFunctions.map(({ fn }) => fn.functionArn),
      }),
    );
    // arn:aws:states:::glue:startJobRun.sync starts the run, polls it, and stops it on timeout/abort.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RunGlueJob',
        actions: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
        resources: [props.glueJobArn],
      }),
    );
    // arn:aws:states:::sns:publish to the four topics, which are KMS-encrypted.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PublishNotifications',
        actions: ['sns:Publish'],
        resources: [topics.success, topics.warning, topics.failure, topics.critical].map((t) => t.topicArn),
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EncryptNotifications',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.encryptionKey.keyArn],
      }),
    );
  }
}
