/**
 * The pipeline's Lambda functions (`handlers/lambda/*.ts`, one per entry of core's step table),
 * bundled by a local esbuild (never Docker), each with its own role, log group and Powertools
 * settings.
 */
import path from 'node:path';

import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { legacyLastRunReportKey, legacyLoadedSchemaKey, loadedSchemaKey, PREFIX } from '../../core/naming';
import { LAMBDA_STEP_KEYS, LAMBDA_STEPS, type LambdaStep, type LambdaStepKey, METRICS_NAMESPACE } from '../../core/pipeline-steps';
import { bundleCommands, lambdaDuckDb } from '../lambda-duckdb';
import type { PhysicalNames } from '../physical-names';

/** Which function: a key of core's step table. */
export type FunctionKey = LambdaStepKey;

/** S3 access of a function: object actions per key prefix (an IAM pattern: `*` stands for any characters). */
export interface ObjectAccess {
  readonly read?: readonly string[];
  /** Only current objects, never an older version by id: GetObject. */
  readonly readCurrent?: readonly string[];
  /** Only whether an object exists: HeadObject of the current version. */
  readonly head?: readonly string[];
  readonly write?: readonly string[];
  /** Deletes by key and of one named version. */
  readonly delete?: readonly string[];
  /**
   * Only deletes by key (DeleteObject without a version id), never of a named version: in the
   * versioned bucket such a delete leaves the object as a noncurrent version, which the
   * `noncurrent-versions` lifecycle rule expires after 30 days.
   */
  readonly deleteCurrent?: readonly string[];
  /** Only deletes of one named version, never of the current object by key. */
  readonly deleteVersion?: readonly string[];
  /** The versions of keys under these prefixes: ListBucketVersions, on the bucket, limited by `s3:prefix`. */
  readonly listVersions?: readonly string[];
}

/**
 * What each kind of {@link ObjectAccess} grants, and the verb the nag acknowledgements use. The
 * handlers read, copy and delete the object version the event named (the `…Version` actions).
 * A copy above the multipart threshold is a multipart upload, aborted when a part fails
 * (`s3:AbortMultipartUpload`). HeadObject needs `s3:GetObject`.
 */
export const OBJECT_ACCESS: Readonly<Record<keyof ObjectAccess, { readonly actions: readonly string[]; readonly verb: string }>> = {
  read: { actions: ['s3:GetObject', 's3:GetObjectVersion'], verb: 'read' },
  readCurrent: { actions: ['s3:GetObject'], verb: 'read' },
  head: { actions: ['s3:GetObject'], verb: 'look up' },
  write: { actions: ['s3:PutObject', 's3:AbortMultipartUpload'], verb: 'write' },
  delete: { actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], verb: 'delete' },
  deleteCurrent: { actions: ['s3:DeleteObject'], verb: 'delete' },
  deleteVersion: { actions: ['s3:DeleteObjectVersion'], verb: 'delete versions of' },
  listVersions: { actions: ['s3:ListBucketVersions'], verb: 'list versions under' },
};

/** The {@link ObjectAccess} kinds granted on the bucket (with an `s3:prefix` condition), not on objects. */
const BUCKET_LEVEL: ReadonlySet<keyof ObjectAccess> = new Set(['listVersions']);

/** The schema each dataset was loaded with (`load/_meta/<dataset>/schema.json`), for any dataset. */
const LOADED_SCHEMAS = loadedSchemaKey('*');
/**
 * Where releases before the move to `load/_meta/` kept the schema records and the last-success
 * reports (under `logs/glue-jobs/`, which expires): read as a fallback while an upgraded deployment
 * has no record at the new key (handlers/loaded-schema.ts), never written. The last success's new
 * key (`load/_meta/<dataset>/last-success.json`) is below `load/`, which the fast path reads already.
 */
const LEGACY_LOADED_SCHEMAS = legacyLoadedSchemaKey('*');
const LEGACY_LAST_SUCCESS_REPORTS = legacyLastRunReportKey('*');

/** Memory of a function that sets none. */
export const DEFAULT_MEMORY_MB = 1024;

/**
 * Sizing of the fast path's function (`TransformInLambda`), which runs DuckDB on files up to the
 * dataset's `fastPathMaxBytes` (core/fast-path.ts). Starting values, chosen before measurements on
 * Lambda (bench/ measures the handler locally; docs/performance.md): replace them with what a
 * deployed run's `maxMemoryUsedMB` and duration (its dashboard row) show at the threshold.
 */
export const TRANSFORM_IN_LAMBDA_SIZING = {
  /**
   * The most memory every account may configure (new accounts start with a 3008 MB quota, others
   * may go to 10,240), and with it about 2 vCPUs, which DuckDB's threads use. DuckDB's
   * `memory_limit` must stay well below it: it bounds DuckDB's buffers, not the process.
   */
  memoryMb: 3008,
  /**
   * `/tmp`: the input fetched from S3, DuckDB's spill files (`temp_directory`) and the Parquet
   * written before it is uploaded, for a CSV at the threshold (128 MiB by default), many times over.
   * Lambda bills `/tmp` above 512 MB per GB-second, a small fraction of the memory's price.
   */
  ephemeralStorageMb: 4096,
  /**
   * Below the `TransformInLambda` Task's `TimeoutSeconds` (900, Lambda's maximum, in the ASL), so
   * that the function times out first, with its own error; a file that takes this long belongs on
   * Glue (lower its dataset's `fastPathMaxBytes`).
   */
  timeoutSeconds: 840,
  /**
   * DuckDB's `memory_limit`, about 60 % of the memory: it bounds DuckDB's buffer manager, not the
   * process (1.2 GB resident at a 1 GB limit was measured here), and Node, the SDK clients and the
   * upload buffers need the rest. Beyond it DuckDB spills to `/tmp`.
   */
  duckdbMemoryLimitMb: 1800,
  /** The handler's files under `/tmp` (Lambda's only writable folder): per run its input and staging, and DuckDB's spill. */
  workDir: '/tmp/etl-transform',
} as const;

/** What infra adds to a function of the step table. */
export interface FunctionSettings {
  /** Seconds; below the ASL Task's `TimeoutSeconds` so the Lambda times out first, with its own error. */
  readonly timeoutSeconds: number;
  /** Why the function's errors are not an alarm (it fails on purpose), if so. */
  readonly errorsByDesign?: string;
  /**
   * It fails with the named error of a verdict on the data (`data-verdict` in core/errors.ts), as
   * the Glue job run does, already notified on etl-job-failure: its errors alarm leaves those out.
   */
  readonly failsOnDataVerdicts?: boolean;
  readonly description: string;
  readonly s3: ObjectAccess;
  /** MB. @default DEFAULT_MEMORY_MB */
  readonly memoryMb?: number;
  /** `/tmp`, MB. @default 512 (Lambda's default, free) */
  readonly ephemeralStorageMb?: number;
  /** Environment variables of its own, beside the Powertools settings. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Runs DuckDB: `@duckdb/node-api` stays out of the esbuild bundle, and it, its bindings and the
   * linux-arm64 binding (installed by `npm run lambda-duckdb`) are copied into the bundle's
   * `node_modules/` (infra/lambda-duckdb.ts). @default false
   */
  readonly bundlesDuckDb?: boolean;
  /**
   * Bundled from the packages' ES modules (esbuild `mainFields: ['module', 'main']`, still CommonJS
   * output), from which esbuild drops what the handler does not use: a smaller bundle that loads
   * faster (bench/startup.ts). @default false: each package's `main` build
   */
  readonly bundlesEsModules?: boolean;
}

/** A function: its entry of the step table (names, placeholder, service, entry point) and its settings. */
export type FunctionSpec = LambdaStep & FunctionSettings;

/** The functions, their timeouts and their exact S3 access (by prefix of the layout). */
export const FUNCTION_SPECS: Readonly<Record<FunctionKey, FunctionSpec>> = withSteps({
  trigger: {
    timeoutSeconds: 60,
    // Its cold start is on the path of every upload (issue 21's goal: < 150 ms).
    bundlesEsModules: true,
    description: 'S3 ObjectCreated (extract/*.csv, .csv.gz, .tsv, .tsv.gz, .txt) → one state machine execution per object version.',
    // HeadObject of the event's version (its checksum names the content); for a duplicate upload,
    // whether the first execution's archived copy is there (extract/archived/), then a delete of
    // the duplicate's version only.
    s3: { read: [PREFIX.extract], deleteVersion: [PREFIX.extract] },
  },
  validate: {
    timeoutSeconds: 840,
    description: 'Validate step: the schema guard, then the CSV through the dataset header and type checks.',
    // The schema guard reads the schema the dataset's loads were written with (the current record
    // only; at its legacy key when the new one holds none).
    s3: { read: [PREFIX.extract], readCurrent: [LOADED_SCHEMAS, LEGACY_LOADED_SCHEMAS] },
  },
  reject: {
    timeoutSeconds: 240,
    description: 'Reject step: moves an invalid input to extract/rejected/ and describes the failure.',
    s3: { read: [PREFIX.extract], write: [PREFIX.rejected], delete: [PREFIX.extract] },
  },
  transformInLambda: {
    memoryMb: TRANSFORM_IN_LAMBDA_SIZING.memoryMb,
    ephemeralStorageMb: TRANSFORM_IN_LAMBDA_SIZING.ephemeralStorageMb,
    timeoutSeconds: TRANSFORM_IN_LAMBDA_SIZING.timeoutSeconds,
    // Read by handlers/lambda/transform-in-lambda.ts.
    environment: {
      ETL_WORK_DIR: TRANSFORM_IN_LAMBDA_SIZING.workDir,
      ETL_DUCKDB_MEMORY_LIMIT: `${TRANSFORM_IN_LAMBDA_SIZING.duckdbMemoryLimitMb}MB`,
    },
    description: 'TransformInLambda step (the fast path): the Transform plan run by DuckDB on a small input, writing what the Glue job writes.',
    bundlesDuckDb: true,
    failsOnDataVerdicts: true,
    // Reads the input by the version the event named (extract/), the dataset's state and manifest,
    // its earlier loads and the last successful run's report (volume checks; load/, and its legacy
    // key below logs/glue-jobs/ after an upgrade). Writes and replaces below load/ (staging, the
    // partitions, the state's versions, the manifest by a conditional PUT, which needs s3:PutObject
    // only, the last-success report in load/_meta/) and deletes what it replaces there, by key
    // (handlers/transform/: the partition files a rerun no longer writes, the state's versions the
    // retention lets go), never a version by id; writes the run report and the rejects file below
    // logs/glue-jobs/. It lists load/ by prefix with the s3:ListBucket every function reaching the
    // bucket has.
    s3: {
      read: [PREFIX.extract],
      readCurrent: [PREFIX.load, LEGACY_LAST_SUCCESS_REPORTS],
      write: [PREFIX.load, PREFIX.glueReports],
      deleteCurrent: [PREFIX.load],
    },
  },
  describeFailure: {
    timeoutSeconds: 45,
    description: 'DescribeTransformFailure step: turns a failed Glue run, or a refused schema change, into the failure notification.',
    s3: { read: [PREFIX.glueReports] },
  },
  summarize: {
    timeoutSeconds: 90,
    description: 'Summarize step: reads the run report, applies the quality thresholds, records the loaded schema.',
    // The run report (logs/glue-jobs/, where the legacy schema record is too); after a load, the
    // schema it was written with (a first load, or a compatible evolution), read and written.
    s3: { read: [PREFIX.glueReports], readCurrent: [LOADED_SCHEMAS], write: [LOADED_SCHEMAS] },
  },
  archive: {
    timeoutSeconds: 240,
    description: 'Archive step: moves a processed input to extract/archived/.',
    // After its own move: the other versions of the key holding the same bytes (re-uploads during the run) go too.
    s3: { read: [PREFIX.extract], write: [PREFIX.archived], delete: [PREFIX.extract], listVersions: [PREFIX.extract] },
  },
  redriveGate: {
    timeoutSeconds: 30,
    errorsByDesign: 'it fails every execution that ended in FAILURE (after its one notification) with the named error, so that a redrive can resume',
    description: 'RedriveGate step: fails a failed execution with its named error; on a redrive, says where to resume.',
    s3: {},
  },
});

/** Each function's settings joined to its entry of the step table. */
function withSteps(settings: Readonly<Record<FunctionKey, FunctionSettings>>): Record<FunctionKey, FunctionSpec> {
  const specs = {} as Record<FunctionKey, FunctionSpec>;
  for (const key of LAMBDA_STEP_KEYS) specs[key] = { ...LAMBDA_STEPS[key], ...settings[key] };
  return specs;
}

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

    // Before anything bundles, and only when this synth bundles (`cdk ls` and the tests that do not
    // bundle need no binding): the Lambda binding of DuckDB, or one line naming the script.
    const needsDuckDb = Object.values(FUNCTION_SPECS).some((spec) => spec.bundlesDuckDb);
    const duckdb = needsDuckDb && Stack.of(this).bundlingRequired ? lambdaDuckDb(ROOT) : undefined;

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
        memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
        ...(spec.ephemeralStorageMb ? { ephemeralStorageSize: Size.mebibytes(spec.ephemeralStorageMb) } : {}),
        timeout: Duration.seconds(spec.timeoutSeconds),
        tracing: lambda.Tracing.ACTIVE,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment: {
          POWERTOOLS_SERVICE_NAME: spec.service,
          POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          // No NODE_OPTIONS=--enable-source-maps: Node would parse the bundle's source map (2 MB
          // for the fast path) at the first stack it formats, 0.4–0.7 s of an instance's first
          // error (bench/startup.ts). Stacks name positions in index.js; the map ships beside it, so
          // setting that variable on a function while debugging maps them to the sources.
          ...spec.environment,
        },
        ...(key === 'trigger' ? { deadLetterQueue: this.triggerDeadLetterQueue, retryAttempts: 2 } : {}),
        bundling: {
          forceDockerBundling: false,
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          target: 'node24',
          // The runtime logs an invocation error's class name (constructor.name): the errors alarm
          // of a function that fails on data verdicts tells them apart by it.
          ...(spec.failsOnDataVerdicts ? { keepNames: true } : {}),
          format: nodejs.OutputFormat.CJS,
          ...(spec.bundlesEsModules ? { mainFields: ['module', 'main'] } : {}),
          // The SDK versions the tests ran with are the ones deployed, not the runtime's copy.
          bundleAwsSDK: true,
          ...(spec.bundlesDuckDb
            ? {
                externalModules: ['@duckdb/node-api'],
                commandHooks: {
                  beforeBundling: () => [],
                  beforeInstall: () => [],
                  afterBundling: (_inputDir: string, outputDir: string) => (duckdb ? bundleCommands(duckdb, outputDir) : []),
                },
              }
            : {}),
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
    .map(([kind, prefixes]) =>
      BUCKET_LEVEL.has(kind)
        ? new iam.PolicyStatement({
            actions: [...OBJECT_ACCESS[kind].actions],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
          })
        : new iam.PolicyStatement({ actions: [...OBJECT_ACCESS[kind].actions], resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)) }),
    );
  if (statements.length === 0) return;
  statements.push(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  const keyActions = ['kms:Decrypt', ...(access.write?.length ? ['kms:GenerateDataKey'] : [])];
  statements.push(new iam.PolicyStatement({ actions: keyActions, resources: [key.keyArn] }));
  for (const statement of statements) role.addToPolicy(statement);
}

function pascal(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}
