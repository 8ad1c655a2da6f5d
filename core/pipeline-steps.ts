/**
 * The pipeline's steps, declared once: the state names of `statemachine/etl.asl.json`, and for
 * each Lambda function its states, its ASL placeholder, its Powertools service, its function name
 * and its entry point; the Glue job's and the topics' placeholders; the metrics namespace.
 * Infra, the Lambda entry points and the local runtime derive theirs from this table, and
 * `test/unit/state-machine-definition.test.ts` checks it against the ASL. Pure data: core/ and handlers/
 * read it without loading the JSON (a Lambda bundle does not ship the ASL).
 */
import type { TOPICS } from './outcome';

/** The CloudWatch namespace of the handlers' metrics (infra prefixes it with the stage). */
export const METRICS_NAMESPACE = 'EtlPipeline';

/** The state names of the ASL. */
export const STATE = {
  Validate: 'Validate',
  IsValid: 'IsValid',
  Reject: 'Reject',
  ChooseEngine: 'ChooseEngine',
  TransformInLambda: 'TransformInLambda',
  Transform: 'Transform',
  DescribeTransformFailure: 'DescribeTransformFailure',
  NotifyRejected: 'NotifyRejected',
  NotifyTransformFailure: 'NotifyTransformFailure',
  Rejected: 'Rejected',
  Summarize: 'Summarize',
  Archive: 'Archive',
  RouteOutcome: 'RouteOutcome',
  NotifySuccess: 'NotifySuccess',
  NotifyWarning: 'NotifyWarning',
  Succeeded: 'Succeeded',
  NotifyCritical: 'NotifyCritical',
  RecordFailure: 'RecordFailure',
  RecordCritical: 'RecordCritical',
  RecordCriticalNotificationFailure: 'RecordCriticalNotificationFailure',
  RedriveGate: 'RedriveGate',
  ResumeAt: 'ResumeAt',
} as const;

/** A state of the ASL. */
export type StateName = (typeof STATE)[keyof typeof STATE];

/** One Lambda function of the pipeline. */
export interface LambdaStep {
  /** The Task states that invoke it (none for the trigger, which S3 invokes). */
  readonly states: readonly StateName[];
  /** The ASL placeholder of its ARN (`${…}` in the Task's Resource); absent for the trigger. */
  readonly aslPlaceholder?: string;
  /** Powertools service name: its logs, traces and metrics' `service` dimension. */
  readonly service: string;
  /** Function name before the stage prefix; its log group is `/aws/lambda/<name>`. */
  readonly functionName: string;
  /** Its entry point: `handlers/lambda/<entry>.ts`. */
  readonly entry: string;
}

/**
 * The pipeline's Lambda functions, by key. Adding a step is one entry here, plus its handler, its
 * ASL state and its test.
 */
export const LAMBDA_STEPS = {
  trigger: {
    states: [],
    service: 'etl-trigger',
    functionName: 'etl-trigger-function',
    entry: 'trigger',
  },
  validate: {
    states: [STATE.Validate],
    aslPlaceholder: 'ValidateFunctionArn',
    service: 'etl-validate',
    functionName: 'etl-validate-function',
    entry: 'validate',
  },
  reject: {
    states: [STATE.Reject],
    aslPlaceholder: 'RejectFunctionArn',
    service: 'etl-reject',
    functionName: 'etl-reject-function',
    entry: 'reject',
  },
  transformInLambda: {
    states: [STATE.TransformInLambda],
    aslPlaceholder: 'TransformInLambdaFunctionArn',
    service: 'etl-transform-in-lambda',
    functionName: 'etl-transform-in-lambda-function',
    entry: 'transform-in-lambda',
  },
  describeFailure: {
    states: [STATE.DescribeTransformFailure],
    aslPlaceholder: 'DescribeFailureFunctionArn',
    service: 'etl-describe-failure',
    functionName: 'etl-describe-failure-function',
    entry: 'describe-failure',
  },
  summarize: {
    states: [STATE.Summarize],
    aslPlaceholder: 'SummarizeFunctionArn',
    service: 'etl-summarize',
    functionName: 'etl-summarize-function',
    entry: 'summarize',
  },
  archive: {
    states: [STATE.Archive],
    aslPlaceholder: 'ArchiveFunctionArn',
    service: 'etl-archive',
    functionName: 'etl-archive-function',
    entry: 'archive',
  },
  redriveGate: {
    states: [STATE.RedriveGate],
    aslPlaceholder: 'RedriveGateFunctionArn',
    service: 'etl-redrive-gate',
    functionName: 'etl-redrive-gate-function',
    entry: 'redrive-gate',
  },
} as const satisfies Readonly<Record<string, LambdaStep>>;

/** Which Lambda function. */
export type LambdaStepKey = keyof typeof LAMBDA_STEPS;

/** The Lambda functions the state machine invokes: those with an ASL placeholder. */
export type TaskStepKey = { [K in LambdaStepKey]: (typeof LAMBDA_STEPS)[K] extends { readonly aslPlaceholder: string } ? K : never }[LambdaStepKey];

/** The keys of {@link LAMBDA_STEPS}, in the table's order. */
export const LAMBDA_STEP_KEYS = Object.keys(LAMBDA_STEPS) as LambdaStepKey[];

/** The keys of the functions the state machine invokes, in the table's order. */
export const TASK_STEP_KEYS = LAMBDA_STEP_KEYS.filter((key): key is TaskStepKey => 'aslPlaceholder' in LAMBDA_STEPS[key]);

/** The Glue job the Transform state runs. */
export const GLUE_JOB = {
  state: STATE.Transform,
  /** The placeholder of the job's name in the Task's `Parameters.JobName`. */
  aslPlaceholder: 'GlueJobName',
  /** The job's name before the stage prefix (locally, as is). */
  jobName: 'etl-transformation-job',
} as const;

/** The placeholders of the topics' ARNs, by the role of the topic ({@link TOPICS} names them). */
export const TOPIC_PLACEHOLDERS = {
  success: 'SuccessTopicArn',
  warning: 'WarningTopicArn',
  failure: 'FailureTopicArn',
  critical: 'CriticalTopicArn',
} as const satisfies Readonly<Record<keyof typeof TOPICS, string>>;

/** The role of a topic. */
export type TopicRole = keyof typeof TOPIC_PLACEHOLDERS;

/** The roles of the topics, in the table's order. */
export const TOPIC_ROLES = Object.keys(TOPIC_PLACEHOLDERS) as TopicRole[];
