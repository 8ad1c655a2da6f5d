/**
 * EventBridge rules outside the state machine: every Glue job state change of this job is kept in
 * a log group (an audit trail that does not depend on the pipeline's own code), and executions
 * that end badly without having notified anyone raise a critical alert.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

import * as errors from '../../core/errors';
import {
  allStates,
  catchersOf,
  catchRoute,
  isLambdaTask,
  parseDefinition,
  readAslText,
  STATE,
  type StateMachineDefinition,
} from '../../statemachine/definition';
import type { PhysicalNames } from '../physical-names';

/** Retry policy of every rule target: transient delivery failures are retried for a day. */
const RETRY = { retryAttempts: 20, maxEventAge: Duration.hours(24) };

/**
 * The Task errors the ASL's Catch rules send to `DescribeTransformFailure`, hence to the
 * `etl-job-failure` notification: of each state, the errors its rules name, and a Lambda Task's
 * the Lambda runtime's too (`Runtime.*`, `Sandbox.Timedout`: `States.TaskFailed` matches them),
 * wherever Step Functions' matching sends them there. So: the Glue job run's (`States.TaskFailed`,
 * `States.Timeout`, no free run) and the fast path's (the runtime killing the function, the Task's
 * timeout). When no run report names the error, the notification names the caught one, and
 * `RedriveGate` then fails the execution with it. Read from the definition, so a route added
 * there is on the list.
 */
export function transformFailureTaskErrors(definition: StateMachineDefinition = parseDefinition(readAslText())): string[] {
  const caught = allStates(definition).flatMap(([, state]) => {
    const raised = [...catchersOf(state).flatMap((catcher) => catcher.ErrorEquals), ...(isLambdaTask(state) ? errors.LAMBDA_RUNTIME_ERRORS : [])];
    return raised.filter((name) => name !== 'States.ALL' && catchRoute(state, name) === STATE.DescribeTransformFailure);
  });
  return [...new Set(caught)].sort();
}

/**
 * Error names with which an execution fails after its notification went out, sorted: a rejected
 * input ends at `Rejected` with Validate's verdict; a transform failure (or a refused schema
 * change) at `RedriveGate` with the name DescribeTransformFailure notified — the error the
 * transform reported (a class of core/errors.ts), else the Task error its step caught
 * ({@link transformFailureTaskErrors}); an internal failure at `RedriveGate` with
 * `PipelineCriticalError` once `NotifyCritical` published. So: every class of core/errors.ts but
 * the `unnotified` ones, and those Task errors. Any other FAILED execution notified no one —
 * `NotifyCritical` failing with SNS's error (`SNS.*`), or `CriticalNotificationFailedError` once it
 * timed out — and the execution-failure rule alerts on it.
 */
export function notifiedFailureErrors(
  classes: readonly errors.EtlErrorClass[] = errors.errorClassesIn(errors),
  definition: StateMachineDefinition = parseDefinition(readAslText()),
): string[] {
  const notified = classes.filter((ErrorClass) => !ErrorClass.kinds.includes('unnotified'));
  return [...new Set([...errors.errorNames(notified), ...transformFailureTaskErrors(definition)])].sort();
}

/** Properties of {@link AuditRules}. */
export interface AuditRulesProps {
  readonly names: PhysicalNames;
  readonly glueJobName: string;
  readonly stateMachine: IStateMachine;
  readonly criticalTopic: ITopic;
  readonly encryptionKey: IKey;
  readonly logRetention: logs.RetentionDays;
}

/** The Glue audit rule, the execution-failure rule, their log group and dead-letter queue. */
export class AuditRules extends Construct {
  readonly logGroup: logs.LogGroup;
  /** Events no target could take after the retry policy. */
  readonly deadLetterQueue: sqs.Queue;
  readonly glueStateChangeRule: events.Rule;
  readonly executionFailureRule: events.Rule;

  constructor(scope: Construct, id: string, props: AuditRulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { names } = props;
    // The seed's name, /aws/eventbridge/etl-pipeline-rules, in the default stage.
    const logGroupName = `/aws/eventbridge/${names.of('etl-pipeline-rules')}`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.glueStateChangeRule = new events.Rule(this, 'GlueStateChange', {
      ruleName: names.of('etl-glue-job-state-change'),
      description: 'Every state change of the ETL Glue job, kept in the audit log group.',
      eventPattern: { source: ['aws.glue'], detailType: ['Glue Job State Change'], detail: { jobName: [props.glueJobName] } },
    });
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: logGroupName });
    // A native log group resource policy instead of the CloudWatchLogGroup target's custom resource.
    const policy = new logs.ResourcePolicy(this, 'EventsWritePolicy', {
      resourcePolicyName: names.of('etl-pipeline-eventbridge-to-logs'),
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${logGroupArn}:*`],
        }),
      ],
    });
    this.glueStateChangeRule.addTarget({
      bind: () => ({
        arn: logGroupArn,
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        retryPolicy: { maximumRetryAttempts: RETRY.retryAttempts, maximumEventAgeInSeconds: RETRY.maxEventAge.toSeconds() },
        targetResource: this.logGroup,
      }),
    });
    this.glueStateChangeRule.node.addDependency(policy);

    this.executionFailureRule = new events.Rule(this, 'ExecutionFailure', {
      ruleName: names.of('etl-execution-failure'),
      description: 'Executions that timed out, were aborted, or failed without a notification → etl-critical-alerts.',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          $or: [{ status: ['TIMED_OUT', 'ABORTED'] }, { status: ['FAILED'], error: [{ 'anything-but': notifiedFailureErrors() }] }],
        },
      },
    });
    this.executionFailureRule.addTarget(
      new targets.SnsTopic(props.criticalTopic, {
        deadLetterQueue: this.deadLetterQueue,
        ...RETRY,
        // Every event value is a whole JSON value of the message: EventBridge does not escape what
        // it pastes into a string, and the cause is often JSON itself (quotes would break the text).
        message: events.RuleTargetInput.fromObject({
          alert: 'ETL pipeline critical: an execution ended without its notification',
          execution: events.EventField.fromPath('$.detail.name'),
          status: events.EventField.fromPath('$.detail.status'),
          error: events.EventField.fromPath('$.detail.error'),
          cause: events.EventField.fromPath('$.detail.cause'),
          executionArn: events.EventField.fromPath('$.detail.executionArn'),
        }),
      }),
    );
    // The SNS target adds its own queue policy statement for its rule; the log target is ours.
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AuditRuleDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.glueStateChangeRule.ruleArn } },
      }),
    );
  }
}
