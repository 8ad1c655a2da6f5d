/**
 * The whole pipeline in one environment-agnostic stack: bucket → trigger → state machine
 * (Lambda steps, Glue job, SNS) → audit rules, alarms, budget and dashboard.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { type App, ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';

import { type EtlConfig, parseConfigText } from '../core/config/dataset-config';
import { PREFIX, notificationSuffixes } from '../core/naming';
import { AuditRules } from './constructs/audit-rules';
import { DataBucket } from './constructs/data-bucket';
import { EtlStateMachine } from './constructs/etl-state-machine';
import { NotificationTopics } from './constructs/notification-topics';
import { PipelineFunctions } from './constructs/pipeline-functions';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { QueryCatalog } from './constructs/query-catalog';
import { TransformJob } from './constructs/transform-job';
import { PhysicalNames } from './physical-names';
import { type PipelineSettings, readSettings } from './settings';

/** The project root (the dataset config and the sources are resolved from it). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Suffixes of the uploads that notify the trigger: one notification configuration each (core/naming.ts). */
export const CSV_SUFFIXES: readonly string[] = notificationSuffixes();

/**
 * The dataset configuration, relative to the project root: the Lambda bundles import the same
 * file (`handlers/lambda/bundled-config.ts`), so the Glue plans compiled here always match them.
 */
export const CONFIG_FILE = 'etl.config.json';

/** Properties of {@link EtlPipelineStack}. */
export interface EtlPipelineStackProps extends StackProps {
  readonly settings: PipelineSettings;
}

/** The ETL pipeline. */
export class EtlPipelineStack extends Stack {
  readonly key: kms.Key;
  readonly data: DataBucket;
  readonly topics: NotificationTopics;
  readonly functions: PipelineFunctions;
  readonly transform: TransformJob;
  readonly machine: EtlStateMachine;
  readonly audit: AuditRules;
  readonly monitoring: PipelineMonitoring;
  readonly query: QueryCatalog;
  /** The validated dataset configuration the stack was built from. */
  readonly config: EtlConfig;
  /** The physical names of the stack's stage. */
  readonly names: PhysicalNames;

  constructor(scope: Construct, id: string, props: EtlPipelineStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.names = new PhysicalNames(settings.stage);
    const names = this.names;
    this.config = parseConfigText(readFileSync(path.join(PROJECT_ROOT, CONFIG_FILE), 'utf-8'), CONFIG_FILE);

    this.key = new kms.Key(this, 'Key', {
      description: 'ETL pipeline: bucket, topics, queues, log groups, Glue logs and bookmarks, Athena query results',
      enableKeyRotation: true,
    });
    this.allowServicesToUseKey();

    // Both BucketDeployments run in one aws-cdk-lib handler; without this group it would log to a
    // retained, unencrypted group of its own.
    const deploymentLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      logGroupName: `/aws/cdk/${names.of('etl-bucket-deployment')}`,
      retention: settings.logRetentionDays,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.data = new DataBucket(this, 'Data', {
      encryptionKey: this.key,
      deploymentLogGroup: deploymentLogs,
      inputsInfrequentAccessDays: settings.inputsInfrequentAccessDays,
      inputsGlacierDays: settings.inputsGlacierDays,
      inputsExpirationDays: settings.inputsExpirationDays,
      logsExpirationDays: settings.logsExpirationDays,
    });
    const bucket = this.data.bucket;

    this.topics = new NotificationTopics(this, 'Topics', { names, encryptionKey: this.key, emails: settings.emails });
    this.topics.allowServiceToAlert('cloudwatch.amazonaws.com', this.account);
    const budgetsMayAlert = this.topics.allowServiceToAlert('budgets.amazonaws.com', this.account);

    this.functions = new PipelineFunctions(this, 'Functions', { names, bucket, encryptionKey: this.key, logRetention: settings.logRetentionDays });
    const fn = this.functions.byKey;

    this.transform = new TransformJob(this, 'Transform', {
      names,
      bucket,
      encryptionKey: this.key,
      deploymentLogGroup: deploymentLogs,
      datasets: this.config.datasets,
      workers: settings.glueWorkers,
      maxConcurrentRuns: settings.glueMaxConcurrentRuns,
      timeoutMinutes: settings.glueTimeoutMinutes,
      logRetention: settings.logRetentionDays,
    });

    this.machine = new EtlStateMachine(this, 'Pipeline', {
      names,
      functions: fn,
      topics: this.topics.byRole,
      glueJobName: this.transform.job.ref,
      glueJobArn: this.transform.jobArn,
      encryptionKey: this.key,
      logRetention: settings.logRetentionDays,
    });
    // Executions must not start before the scripts they run are in place.
    this.machine.stateMachine.node.addDependency(this.transform.scripts);

    fn.trigger.addEnvironment('STATE_MACHINE_ARN', this.machine.stateMachine.stateMachineArn);
    this.machine.stateMachine.grantStartExecution(fn.trigger);
    // A duplicate event is settled against the existing execution's input.
    this.machine.stateMachine.grantExecution(fn.trigger, 'states:DescribeExecution');
    // S3 key filters are case-sensitive and take one suffix per configuration; the trigger matches
    // datasets ignoring case (core findDatasetForKey), so each data file suffix notifies it in both
    // common spellings. `.Csv` and the like do not.
    for (const suffix of CSV_SUFFIXES) {
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn.trigger), { prefix: PREFIX.extract, suffix });
    }

    this.audit = new AuditRules(this, 'Audit', {
      names,
      glueJobName: this.transform.job.ref,
      stateMachine: this.machine.stateMachine,
      criticalTopic: this.topics.byRole.critical,
      encryptionKey: this.key,
      logRetention: settings.logRetentionDays,
    });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      names,
      criticalTopic: this.topics.byRole.critical,
      budgetsMayAlert,
      metricsNamespace: this.functions.metricsNamespace,
      stateMachine: this.machine.stateMachine,
      functions: fn,
      functionLogGroups: this.functions.logGroups,
      glueAuditLogGroup: this.audit.logGroup,
      glueJobName: this.transform.job.ref,
      deadLetterQueues: { TriggerEvents: this.functions.triggerDeadLetterQueue, RuleTargets: this.audit.deadLetterQueue },
      datasets: this.config.datasets.map((d) => d.name),
      lambdaDurationAlarmPercent: settings.lambdaDurationAlarmPercent,
      failedExecutionsAlarmPerHour: settings.failedExecutionsAlarmPerHour,
      rowsAnomalyStdDevs: settings.rowsAnomalyStdDevs,
      monthlyBudgetUsd: settings.monthlyBudgetUsd,
    });

    this.query = new QueryCatalog(this, 'Query', { names, bucket, encryptionKey: this.key, config: this.config });

    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'Upload CSV files under s3://<bucket>/extract/' });
    new CfnOutput(this, 'StateMachineArn', { value: this.machine.stateMachine.stateMachineArn });
    new CfnOutput(this, 'GlueJobName', { value: this.transform.job.ref });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'GlueDatabaseName', {
      value: this.query.database.ref,
      description: "The Glue database of the datasets' tables (<dataset>, <dataset>_latest)",
    });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: this.query.workGroup.ref, description: 'Run Athena queries in this workgroup (--work-group)' });
    new CfnOutput(this, 'QueryPolicyArn', {
      value: this.query.queryPolicy.managedPolicyArn,
      description: 'Attach to the users or roles that query the tables',
    });
    for (const [role, topic] of Object.entries(this.topics.byRole)) {
      new CfnOutput(this, `${role.charAt(0).toUpperCase()}${role.slice(1)}TopicArn`, { value: topic.topicArn });
    }
  }

  /**
   * CloudWatch Logs encrypts the log groups with the key; CloudWatch alarms, EventBridge and AWS
   * Budgets publish to the encrypted topics (and EventBridge to the encrypted dead-letter queue).
   */
  private allowServicesToUseKey(): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowServicesToPublishEncrypted',
        principals: ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'budgets.amazonaws.com'].map((s) => new iam.ServicePrincipal(s)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
  }
}

/**
 * Adds the pipeline's stack to an app, configured from the app's context and named after its
 * stage (`EtlPipeline`, `dev-EtlPipeline`, …), as `infra/app.ts` and the tests build it.
 */
export function addPipelineStack(app: App): EtlPipelineStack {
  const settings = readSettings(app.node);
  return new EtlPipelineStack(app, new PhysicalNames(settings.stage).stackName, {
    settings,
    description: 'Event-driven CSV to Parquet ETL pipeline (S3, Lambda, Step Functions, Glue, SNS)',
  });
}
