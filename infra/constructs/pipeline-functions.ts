/**
 * The six Lambda functions (`handlers/lambda/*.ts`), bundled by a local esbuild (never Docker),
 * each with its own role, log group and Powertools settings.
 */
import path from 'node:path';

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { PREFIX } from '../../core/naming';
import type { PhysicalNames } from '../physical-names';

/** The CloudWatch namespace of the handlers' Powertools metrics (`handlers/observability.ts`), before the stage prefix. */
export const METRICS_NAMESPACE = 'EtlPipeline';

/** Which function. */
export type FunctionKey = 'trigger' | 'validate' | 'reject' | 'describeFailure' | 'summarize' | 'archive' | 'redriveGate';

/** S3 access of a function: object actions per key prefix. */
export interface ObjectAccess {
  readonly read?: readonly string[];
  /** Only whether an object exists: HeadObject of the current version. */
  readonly head?: readonly string[];
  readonly write?: readonly string[];
  readonly delete?: readonly string[];
  /** Only deletes of one named version, never of the current object by key. */
  readonly deleteVersion?: readonly string[];
}

/**
 * What each kind of {@link ObjectAccess} grants, and the verb the nag acknowledgements use. The
 * handlers read, copy and delete the object version the event named (the `…Version` actions).
 * A copy above the multipart threshold is a multipart upload, aborted when a part fails
 * (`s3:AbortMultipartUpload`). HeadObject needs `s3:GetObject`.
 */
export const OBJECT_ACCESS: Readonly<Record<keyof ObjectAccess, { readonly actions: readonly string[]; readonly verb: string }>> = {
  read: { actions: ['s3:GetObject', 's3:GetObjectVersion'], verb: 'read' },
  head: { actions: ['s3:GetObject'], verb: 'look up' },
  write: { actions: ['s3:PutObject', 's3:AbortMultipartUpload'], verb: 'write' },
  delete: { actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], verb: 'delete' },
  deleteVersion: { actions: ['s3:DeleteObjectVersion'], verb: 'delete versions of' },
};

/** What differs between the functions. */
export interface FunctionSpec {
  /** File name in `handlers/lambda/` (without `.ts`). */
  readonly entry: string;
  /** Function name before the stage prefix; its log group is `/aws/lambda/<name>`. */
  readonly functionName: string;
  /** Powertools service name, as the handler module names itself. */
  readonly service: string;
  /** Seconds; below the ASL Task's `TimeoutSeconds` so the Lambda times out first, with its own error. */
  readonly timeoutSeconds: number;
  /** The ASL placeholder of the function's ARN, for a function the state machine invokes. */
  readonly aslPlaceholder?: string;
  /** Why the function's errors are not an alarm (it fails on purpose), if so. */
  readonly errorsByDesign?: string;
  readonly description: string;
  readonly s3: ObjectAccess;
}

/** The functions, their timeouts and their exact S3 access (by prefix of the layout). */
export const FUNCTION_SPECS: Readonly<Record<FunctionKey, FunctionSpec>> = {
  trigger: {
    entry: 'trigger',
    functionName: 'etl-trigger-function',
    service: 'etl-trigger',
    timeoutSeconds: 60,
    description: 'S3 ObjectCreated (extract/*.csv) → one state machine execution per object version.',
    // A duplicate upload: is the first execution's archived copy there? Then delete its version.
    s3: { head: [PREFIX.archived], deleteVersion: [PREFIX.extract] },
  },
  validate: {
    entry: 'validate',
    functionName: 'etl-validate-function',
    service: 'etl-validate',
    timeoutSeconds: 840,
    aslPlaceholder: 'ValidateFunctionArn',
    description: 'Validate step: streams the CSV through the dataset header and type checks.',
    s3: { read: [PREFIX.extract] },
  },
  reject: {
    entry: 'reject',
    functionName: 'etl-reject-function',
    service: 'etl-reject',
    timeoutSeconds: 240,
    aslPlaceholder: 'RejectFunctionArn',
    description: 'Reject step: moves an invalid input to extract/rejected/ and describes the failure.',
    s3: { read: [PREFIX.extract], write: [PREFIX.rejected], delete: [PREFIX.extract] },
  },
  describeFailure: {
    entry: 'describe-failure',
    functionName: 'etl-describe-failure-function',
    service: 'etl-describe-failure',
    timeoutSeconds: 45,
    aslPlaceholder: 'DescribeFailureFunctionArn',
    description: 'DescribeTransformFailure step: turns a failed Glue run into the failure notification.',
    s3: { read: [PREFIX.glueReports] },
  },
  summarize: {
    entry: 'summarize',
    functionName: 'etl-summarize-function',
    service: 'etl-summarize',
    timeoutSeconds: 90,
    aslPlaceholder: 'SummarizeFunctionArn',
    description: 'Summarize step: reads the run report and applies the quality thresholds.',
    s3: { read: [PREFIX.glueReports] },
  },
  archive: {
    entry: 'archive',
    functionName: 'etl-archive-function',
    service: 'etl-archive',
    timeoutSeconds: 240,
    aslPlaceholder: 'ArchiveFunctionArn',
    description: 'Archive step: moves a processed input to extract/archived/.',
    s3: { read: [PREFIX.extract], write: [PREFIX.archived], delete: [PREFIX.extract] },
  },
  redriveGate: {
    entry: 'redrive-gate',
    functionName: 'etl-redrive-gate-function',
    service: 'etl-redrive-gate',
    timeoutSeconds: 30,
    aslPlaceholder: 'RedriveGateFunctionArn',
    errorsByDesign: 'it fails every execution that ended in FAILURE (after its one notification) with the named error, so that a redrive can resume',
    description: 'RedriveGate step: fails a failed execution with its named error; on a redrive, says where to resume.',
    s3: {},
  },
};

/** Properties of {@link PipelineFunctions}. */
export interface PipelineFunctionsProps {
  readonly names: PhysicalNames;
  /** The data bucket the functions read and move objects in. */
  readonly bucket: IBucket;
  /** The key of the bucket, the log groups and the trigger's dead-letter queue. */
  readonly encryptionKey: IKey;
  /** Retention of the functions' log groups. */
  readonly logRetention: logs.RetentionDays;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** The pipeline's Lambda functions. */
export class PipelineFunctions extends Construct {
  /** The functions by key. */
  readonly byKey: Readonly<Record<FunctionKey, nodejs.NodejsFunction>>;
  /** Each function's log group. */
  readonly logGroups: Readonly<Record<FunctionKey, logs.LogGroup>>;
  /** Where S3 events land that the trigger failed on after Lambda's own retries. */
  readonly triggerDeadLetterQueue: sqs.Queue;
  /** The stage's namespace of the functions' metrics: stages must not feed each other's alarms. */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    this.metricsNamespace = props.names.of(METRICS_NAMESPACE);
    this.triggerDeadLetterQueue = new sqs.Queue(this, 'TriggerDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const byKey = {} as Record<FunctionKey, nodejs.NodejsFunction>;
    const logGroups = {} as Record<FunctionKey, logs.LogGroup>;
    for (const [key, spec] of Object.entries(FUNCTION_SPECS) as [FunctionKey, FunctionSpec][]) {
      const name = pascal(key);
      const functionName = props.names.of(spec.functionName);
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: props.logRetention,
        encryptionKey: props.encryptionKey,
        // The name is fixed: a retained group would block re-creating the stack after a destroy.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${functionName}`,
      });
      logGroup.grantWrite(role);
      grantObjectAccess(role, props.bucket, props.encryptionKey, spec.s3);
      if (key === 'trigger') {
        // Lambda sends failed S3 events to the (KMS-encrypted) dead-letter queue with this role.
        role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }));
      }

      byKey[key] = new nodejs.NodejsFunction(this, name, {
        entry: path.join(ROOT, 'handlers', 'lambda', `${spec.entry}.ts`),
        handler: 'handler',
        projectRoot: ROOT,
        depsLockFilePath: path.join(ROOT, 'package-lock.json'),
        functionName,
        description: spec.description,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 1024,
        timeout: Duration.seconds(spec.timeoutSeconds),
        tracing: lambda.Tracing.ACTIVE,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment: {
          POWERTOOLS_SERVICE_NAME: spec.service,
          POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
        ...(key === 'trigger' ? { deadLetterQueue: this.triggerDeadLetterQueue, retryAttempts: 2 } : {}),
        bundling: {
          forceDockerBundling: false,
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          target: 'node24',
          format: nodejs.OutputFormat.CJS,
          // The SDK versions the tests ran with are the ones deployed, not the runtime's copy.
          bundleAwsSDK: true,
        },
      });
      logGroups[key] = logGroup;
    }
    this.byKey = byKey;
    this.logGroups = logGroups;
  }
}

/**
 * Object-level S3 permissions on exact prefixes ({@link OBJECT_ACCESS}), plus `s3:ListBucket` so
 * that a missing key is a 404 (which the handlers treat as "not there") rather than a 403.
 */
function grantObjectAccess(role: iam.Role, bucket: IBucket, key: IKey, access: ObjectAccess): void {
  const statements = (Object.entries(access) as [keyof ObjectAccess, readonly string[]][])
    .filter(([, prefixes]) => prefixes.length > 0)
    .map(([kind, prefixes]) => new iam.PolicyStatement({ actions: [...OBJECT_ACCESS[kind].actions], resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)) }));
  if (statements.length === 0) return;
  statements.push(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  const keyActions = ['kms:Decrypt', ...(access.write?.length ? ['kms:GenerateDataKey'] : [])];
  statements.push(new iam.PolicyStatement({ actions: keyActions, resources: [key.keyArn] }));
  for (const statement of statements) role.addToPolicy(statement);
}

function pascal(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}
