/**
 * The Glue 5.0 Spark job: the generic runner `glue/etl_runner.py` with its helpers, and each
 * dataset's transform plan compiled to the Spark SQL dialect, deployed under `scripts/`.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { ArnFormat, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

import type { DatasetConfig } from '../../core/config/dataset-config';
import { PLANS_PREFIX, PREFIX } from '../../core/naming';
import { GLUE_JOB } from '../../core/pipeline-steps';
import { compileTransformPlan } from '../../core/transform/compile-plan';
import type { PhysicalNames } from '../physical-names';
import { BUCKET_LAYOUT } from './data-bucket';

/** The job's name before the stage prefix (core's step table; the local runtime uses the same). */
export const GLUE_JOB_NAME = GLUE_JOB.jobName;

/** Glue 5.0 writes to `<prefix>/output` (stdout, stderr) and `<prefix>/error` (Spark, Glue logger). */
export function glueLogGroupPrefix(jobName: string): string {
  return `/aws/glue/jobs/${jobName}`;
}

/**
 * The log groups Glue names after the job's security configuration and role when that
 * configuration encrypts CloudWatch logs. AWS Glue Developer Guide, "Running Spark ETL jobs with
 * reduced startup times" (Glue 2.0 and later): "When a security configuration is provided, the
 * log group names change to: /aws-glue/jobs/<security configuration>-role/<Role Name>/output,
 * /aws-glue/jobs/<security configuration>-role/<Role Name>/error"; the JobRun API's
 * `LogGroupName` also names the group after the role and the configuration (spelled there
 * `/aws-glue/jobs-yourRoleName-yourSecurityConfigurationName/`). The Glue 5.0 logging page
 * does not say whether `--custom-logGroup-prefix` is suffixed the same way (our prefix's groups
 * are declared beside these, and the role may write `<prefix>*`), so both are declared: a group
 * Glue would otherwise create itself never expires. (`/aws-glue/jobs/logs-v2-<security
 * configuration>`, the same rule for continuous logging, is Glue ≤ 4.0's
 * `--enable-continuous-cloudwatch-log`, which this job does not use.) A run's
 * `JobRun.LogGroupName` (`aws glue get-job-run`) names the group it wrote.
 */
export function securityConfigurationLogGroupNames(securityConfigurationName: string, roleName: string): readonly string[] {
  return ['output', 'error'].map((stream) => `/aws-glue/jobs/${securityConfigurationName}-role/${roleName}/${stream}`);
}

/** Key of the runner script. */
export const GLUE_SCRIPT_KEY = `${PREFIX.scripts}etl_runner.py`;
/** The runner's sources, deployed to `scripts/`. */
const GLUE_SOURCE = path.resolve(__dirname, '..', '..', 'glue');
/** The local Spark engine's worker: in glue/ beside the runner, not part of the job. */
const LOCAL_WORKER = 'local_worker.py';
/**
 * Keys of the runner's modules (`--extra-py-files`): every other module of glue/ (its twins of
 * core/, its S3 calls, the Glue seam), read from the folder so that a new module ships with it.
 */
export const GLUE_MODULE_KEYS = readdirSync(GLUE_SOURCE)
  .filter((file) => file.endsWith('.py') && `${PREFIX.scripts}${file}` !== GLUE_SCRIPT_KEY && file !== LOCAL_WORKER)
  .sort()
  .map((file) => `${PREFIX.scripts}${file}`);
/** Prefix of the compiled plans: `scripts/plans/<dataset>.json`. */
export const GLUE_PLANS_PREFIX = PLANS_PREFIX;

/** Properties of {@link TransformJob}. */
export interface TransformJobProps {
  readonly names: PhysicalNames;
  readonly bucket: IBucket;
  readonly encryptionKey: IKey;
  /** Log group of the BucketDeployment handler. */
  readonly deploymentLogGroup: logs.ILogGroup;
  /** The datasets whose plans are compiled and deployed. */
  readonly datasets: readonly DatasetConfig[];
  /** G.1X workers. */
  readonly workers: number;
  readonly maxConcurrentRuns: number;
  readonly timeoutMinutes: number;
  readonly logRetention: logs.RetentionDays;
}

/** The Glue job, its role, security configuration, log groups and deployed scripts. */
export class TransformJob extends Construct {
  readonly job: glue.CfnJob;
  readonly role: iam.Role;
  readonly securityConfiguration: glue.SecurityConfiguration;
  /**
   * `<prefix>/output` and `<prefix>/error`, then the groups named after the security configuration
   * and the role ({@link securityConfigurationLogGroupNames}): every group the job may write, each
   * with the stack's retention.
   */
  readonly logGroups: readonly logs.LogGroup[];
  readonly scripts: s3deploy.BucketDeployment;
  /** The job's name in this stage. */
  readonly jobName: string;
  /** The job's ARN, for IAM statements. */
  readonly jobArn: string;
  /** The prefix of the job's log groups (`--custom-logGroup-prefix`). */
  readonly logGroupPrefix: string;

  constructor(scope: Construct, id: string, props: TransformJobProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.jobName = props.names.of(GLUE_JOB_NAME);
    this.jobArn = stack.formatArn({ service: 'glue', resource: 'job', resourceName: this.jobName });
    this.logGroupPrefix = glueLogGroupPrefix(this.jobName);

    const logGroup = (id: string, logGroupName: string): logs.LogGroup =>
      new logs.LogGroup(this, id, {
        logGroupName,
        retention: props.logRetention,
        encryptionKey: props.encryptionKey,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    const prefixGroups = ['output', 'error'].map((stream) => logGroup(`${stream === 'output' ? 'Output' : 'Error'}Logs`, `${this.logGroupPrefix}/${stream}`));

    this.securityConfiguration = securityConfiguration(this, props);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `Role of the Glue job ${this.jobName}`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    const encryptedGroups = securityConfigurationLogGroupNames(this.securityConfiguration.securityConfigurationName, this.role.roleName).map((name, i) =>
      logGroup(`SecurityConfiguration${i === 0 ? 'Output' : 'Error'}Logs`, name),
    );
    this.logGroups = [...prefixGroups, ...encryptedGroups];
    const objects = (prefix: string): string => props.bucket.arnForObjects(`${prefix}*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadInputsAndScripts',
        // GetObjectVersion: the runner reads and copies the input by the version the event named.
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [objects(PREFIX.extract), objects(PREFIX.scripts)],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOutputsAndReports',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [objects(PREFIX.load), objects(PREFIX.glueReports)],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ListBucket', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [props.bucket.bucketArn] }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UseKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteJobLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        // `<prefix>*`, not `<prefix>/*`: with CloudWatch encryption in the security configuration,
        // Glue may suffix the group names (it does so for its default groups).
        resources: [
          stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: `${this.logGroupPrefix}*` }),
        ],
      }),
    );
    // AWSGlueServiceRole lets Glue write below /aws-glue/, but not associate the key with a group,
    // which Glue's documentation asks for when the security configuration encrypts logs.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteEncryptedJobLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: encryptedGroups.flatMap((group) => [
          group.logGroupArn,
          stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: group.logGroupName }),
        ]),
      }),
    );

    this.scripts = new s3deploy.BucketDeployment(this, 'Scripts', {
      destinationBucket: props.bucket,
      destinationKeyPrefix: PREFIX.scripts,
      sources: [
        s3deploy.Source.asset(GLUE_SOURCE, {
          // The tests and the local Spark engine's worker are not part of the job.
          exclude: ['tests', 'tests/**', LOCAL_WORKER, '__pycache__', '**/__pycache__', '*.pyc', '**/*.pyc', '.gitignore', '.ruff_cache', '.pytest_cache'],
        }),
        ...props.datasets.map((dataset) => s3deploy.Source.jsonData(`plans/${dataset.name}.json`, compileTransformPlan(dataset, 'spark'))),
        // Written here, not by the layout deployment: this one prunes scripts/ and would delete it.
        s3deploy.Source.data('README.txt', `${BUCKET_LAYOUT[PREFIX.scripts]}\n`),
      ],
      // scripts/ is owned by the deployment: files no longer shipped are removed.
      prune: true,
      retainOnDelete: false,
      logGroup: props.deploymentLogGroup,
    });

    this.job = new glue.CfnJob(this, 'Job', {
      name: this.jobName,
      description:
        'Runs a dataset compiled transform plan (Spark SQL) on one CSV input: Snappy Parquet and the last success under load/, run report under logs/glue-jobs/.',
      role: this.role.roleArn,
      glueVersion: '5.0',
      workerType: 'G.1X',
      numberOfWorkers: props.workers,
      timeout: props.timeoutMinutes,
      // The state machine owns retries (and a rerun of an input replaces its output).
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: props.maxConcurrentRuns },
      securityConfiguration: this.securityConfiguration.securityConfigurationName,
      command: {
        name: 'glueetl',
        pythonVersion: '3',
        scriptLocation: props.bucket.s3UrlForObject(GLUE_SCRIPT_KEY),
      },
      defaultArguments: {
        '--job-language': 'python',
        '--extra-py-files': GLUE_MODULE_KEYS.map((key) => props.bucket.s3UrlForObject(key)).join(','),
        '--plans_prefix': GLUE_PLANS_PREFIX,
        // Bookmarks off: they only track DynamicFrame sources read with a transformation_ctx, and
        // the runner reads its one input by key and version with spark.read, so they recorded
        // nothing. Which input a run reads is the event's: a rerun or redrive reads it again and
        // replaces that input's rows, which a bookmark would not make safer.
        '--job-bookmark-option': 'job-bookmark-disable',
        '--custom-logGroup-prefix': this.logGroupPrefix,
        '--enable-metrics': 'true',
        '--enable-observability-metrics': 'true',
      },
    });
    this.job.node.addDependency(...this.logGroups);
  }
}

/**
 * The job's security configuration. CloudFormation replaces one whose encryption settings change,
 * creating the new one before deleting the old: its name therefore carries a hash of those
 * settings (a fixed name would make every replacement fail on the name in use). It is deleted
 * with the stack (aws-cdk-lib retains it by default), so that a rolled-back first deploy or a
 * `cdk destroy` leaves nothing that blocks the next create.
 */
function securityConfiguration(scope: Construct, props: TransformJobProps): glue.SecurityConfiguration {
  const stack = Stack.of(scope);
  const digest = (): string =>
    // Resolved, the key is its logical reference: stable from synth to synth.
    createHash('sha256')
      .update(JSON.stringify(stack.resolve(cfn.encryptionConfiguration)))
      .digest('hex')
      .slice(0, 8);
  const configuration = new glue.SecurityConfiguration(scope, 'Security', {
    securityConfigurationName: Lazy.string({ produce: () => `${props.names.of('etl-pipeline-security')}-${digest()}` }),
    s3Encryption: glue.S3Encryption.kms(props.encryptionKey),
    cloudWatchEncryption: glue.CloudWatchEncryption.kms(props.encryptionKey),
    jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(props.encryptionKey),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const cfn = configuration.node.defaultChild as glue.CfnSecurityConfiguration;
  return configuration;
}
