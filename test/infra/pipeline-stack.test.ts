/**
 * Targeted template assertions: one `describe` per item of the deployment (issue 3), each
 * checking the properties that item promises.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { App, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';

import { PREFIX } from '../../core/naming';
import { notifiedFailureErrors } from '../../infra/constructs/audit-rules';
import { DEFAULT_MEMORY_MB, FUNCTION_SPECS, TRANSFORM_IN_LAMBDA_SIZING } from '../../infra/constructs/pipeline-functions';
import { dataVerdictErrors } from '../../infra/constructs/pipeline-monitoring';
import { TransformJob } from '../../infra/constructs/transform-job';
import { PhysicalNames } from '../../infra/physical-names';
import { GLUE_JOB_NAME, GLUE_MODULE_KEYS, glueLogGroupPrefix, securityConfigurationLogGroupNames } from '../../infra/constructs/transform-job';

const GLUE_LOG_GROUP_PREFIX = glueLogGroupPrefix(GLUE_JOB_NAME);
import type { EtlPipelineStack } from '../../infra/etl-pipeline-stack';
import { resourcesOf, synthPipeline } from './synth-pipeline';

let template: Template;
let stack: EtlPipelineStack;
let assemblyDir: string;

beforeAll(() => {
  let app: App;
  ({ template, stack, app } = synthPipeline({
    context: { 'etl:criticalEmails': 'ops@example.com,oncall@example.com', 'etl:failureEmails': ['data@example.com'] },
  }));
  assemblyDir = app.synth().directory;
});

/** Every file below a folder, as paths relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesBelow(file).map((f) => `${name}/${f}`) : [name];
  });
}

describe('storage', () => {
  it('keeps the data in a versioned, SSE-KMS, public-access-blocked bucket that logs its accesses', () => {
    // Prepare
    const accessLogs = Object.keys(resourcesOf(template, 'AWS::S3::Bucket')).find((id) => id.startsWith('DataAccessLogs'));

    // Act / Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } },
        ],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogs }, LogFilePrefix: 'etl-bucket/' },
    });
  });

  it('refuses requests without TLS (and TLS below 1.2) on both buckets', () => {
    // Prepare
    const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'));

    // Act
    const denies = policies.map((p) => JSON.stringify((p.Properties?.PolicyDocument as { Statement: unknown[] }).Statement));

    // Assess
    expect(policies).toHaveLength(2);
    for (const statements of denies) {
      expect(statements).toContain('"aws:SecureTransport":"false"');
      expect(statements).toContain('"s3:TlsVersion":1.2');
    }
  });

  it('moves archived and rejected inputs to cheaper classes, then expires them; expires run reports', () => {
    // Prepare
    const inputRule = (prefix: string) => ({
      Prefix: prefix,
      Status: 'Enabled',
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER', TransitionInDays: 90 },
      ],
      ExpirationInDays: 365,
    });

    // Act / Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike(inputRule(PREFIX.archived)),
          Match.objectLike(inputRule(PREFIX.rejected)),
          Match.objectLike({ Prefix: PREFIX.glueReports, ExpirationInDays: 90 }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
  });

  it('notifies the trigger of new data files (.csv, .csv.gz, .tsv, .tsv.gz, .txt, lower and upper case) under extract/ only', () => {
    // Prepare
    const trigger = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsTrigger'), 'Arn'] };
    const notification = (suffix: string) => ({
      Events: ['s3:ObjectCreated:*'],
      Filter: {
        Key: {
          FilterRules: Match.arrayEquals([
            { Name: 'suffix', Value: suffix },
            { Name: 'prefix', Value: 'extract/' },
          ]),
        },
      },
      LambdaFunctionArn: trigger,
    });

    // Act / Assess
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        // One configuration per suffix: S3 takes one suffix filter each.
        LambdaFunctionConfigurations: ['.csv', '.CSV', '.csv.gz', '.CSV.GZ', '.tsv', '.TSV', '.tsv.gz', '.TSV.GZ', '.txt', '.TXT'].map(notification),
      },
    });
  });

  it('lays out extract/, load/, logs/ and scripts/ with a README each, without ever pruning data', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: false, DestinationBucketKeyPrefix: Match.absent() });
    template.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: true, DestinationBucketKeyPrefix: PREFIX.scripts });
  });

  it('writes no file under a prefix that another deployment prunes (scripts/README.txt comes with the scripts)', () => {
    // Prepare: the keys each deployment writes, from the staged asset folders it copies
    const deployments = Object.values(resourcesOf(template, 'Custom::CDKBucketDeployment')).map((d) => {
      const props = d.Properties as { SourceObjectKeys: string[]; DestinationBucketKeyPrefix?: string; Prune: boolean };
      const prefix = props.DestinationBucketKeyPrefix ?? '';
      const keys = props.SourceObjectKeys.flatMap((zip) =>
        filesBelow(path.join(assemblyDir, `asset.${zip.replace(/\.zip$/, '')}`)).map((f) => `${prefix}${f}`),
      );
      return { prefix, prune: props.Prune, keys };
    });

    // Act
    const clobbered = deployments.flatMap((pruning, i) =>
      pruning.prune ? deployments.filter((_, j) => j !== i).flatMap((other) => other.keys.filter((k) => k.startsWith(pruning.prefix))) : [],
    );

    // Assess
    expect(deployments).toHaveLength(2);
    expect(clobbered).toEqual([]);
    expect(
      deployments
        .flatMap((d) => d.keys)
        .filter((k) => k.endsWith('README.txt'))
        .sort(),
    ).toEqual(['extract/README.txt', 'load/README.txt', 'logs/README.txt', 'scripts/README.txt']);
  });
});

describe('Lambda functions', () => {
  it.each(Object.entries(FUNCTION_SPECS))('%s: Node.js 24 on arm64, its memory and /tmp, X-Ray, Powertools, JSON logs in its own group', (_key, spec) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: spec.functionName,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      EphemeralStorage: spec.ephemeralStorageMb ? { Size: spec.ephemeralStorageMb } : Match.absent(),
      Timeout: spec.timeoutSeconds,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: spec.service, POWERTOOLS_METRICS_NAMESPACE: 'EtlPipeline' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/lambda/${spec.functionName}`,
      RetentionInDays: 30,
      KmsKeyId: Match.anyValue(),
    });
  });

  it('names the trigger etl-trigger-function, logging to /aws/lambda/etl-trigger-function, with the state machine ARN', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'etl-trigger-function',
      Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^PipelineStateMachine') } }) },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/etl-trigger-function' });
  });

  it("sizes the fast path for DuckDB: 3008 MB, 4 GB of /tmp, a timeout below its Task, DuckDB's memory limit and work folder in /tmp", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: FUNCTION_SPECS.transformInLambda.functionName,
      MemorySize: TRANSFORM_IN_LAMBDA_SIZING.memoryMb,
      EphemeralStorage: { Size: TRANSFORM_IN_LAMBDA_SIZING.ephemeralStorageMb },
      Timeout: TRANSFORM_IN_LAMBDA_SIZING.timeoutSeconds,
      Environment: { Variables: Match.objectLike({ ETL_WORK_DIR: '/tmp/etl-transform', ETL_DUCKDB_MEMORY_LIMIT: '1800MB' }) },
    });
    expect(TRANSFORM_IN_LAMBDA_SIZING).toEqual({
      memoryMb: 3008,
      ephemeralStorageMb: 4096,
      timeoutSeconds: 840,
      duckdbMemoryLimitMb: 1800,
      workDir: '/tmp/etl-transform',
    });
  });

  it('gives every function its own role, with no managed policy', () => {
    // Prepare
    const roles = Object.values(resourcesOf(template, 'AWS::IAM::Role')).filter((r) =>
      JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    );
    const ours = roles.filter((r) => String(r.Properties?.Description ?? '').startsWith('Execution role of etl-'));

    // Act / Assess
    expect(ours).toHaveLength(Object.keys(FUNCTION_SPECS).length);
    for (const role of ours) expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('parses no source map at run time: no function runs with NODE_OPTIONS (--enable-source-maps costs an instance its first error)', () => {
    // Prepare
    const ours = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((r) =>
      Object.values(FUNCTION_SPECS).some((spec) => spec.functionName === r.Properties?.FunctionName),
    );

    // Act
    const options = ours.map((r) => (r.Properties?.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS);

    // Assess
    expect(ours).toHaveLength(Object.keys(FUNCTION_SPECS).length);
    expect(options.filter((o) => o !== undefined)).toEqual([]);
  });

  it('retries S3 events twice, then keeps them in an encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 24 * 3600 });
  });
});

describe('state machine', () => {
  it('is a Standard workflow named etl-pipeline, with X-Ray tracing and ALL logging to a vended-logs group, without execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'etl-pipeline',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        // The states' input and output hold keys and, for a rejected file, its record's values.
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogs'), 'Arn'] } } }],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/etl-pipeline' });
  });

  it('inlines the ASL file (not an S3 asset) so that the template carries the definition', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.stringLikeRegexp('"StartAt": "Validate"'),
      DefinitionS3Location: Match.absent(),
    });
  });
});

describe('Glue job', () => {
  it('runs the deployed runner on Glue 5.0, G.1X, 2 workers, bookmarks off, logs under its own prefix', () => {
    template.hasResourceProperties('AWS::Glue::Job', {
      Name: GLUE_JOB_NAME,
      GlueVersion: '5.0',
      WorkerType: 'G.1X',
      NumberOfWorkers: 2,
      Timeout: 60,
      MaxRetries: 0,
      ExecutionProperty: { MaxConcurrentRuns: 3 },
      SecurityConfiguration: { Ref: Match.stringLikeRegexp('^TransformSecurity') },
      Command: { Name: 'glueetl', PythonVersion: '3', ScriptLocation: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/scripts/etl_runner.py']] } },
      DefaultArguments: Match.objectLike({
        '--job-bookmark-option': 'job-bookmark-disable',
        '--custom-logGroup-prefix': GLUE_LOG_GROUP_PREFIX,
        '--plans_prefix': 'scripts/plans/',
        // Every module of glue/ but the runner and the local worker, by key in the data bucket.
        '--extra-py-files': {
          'Fn::Join': [
            '',
            ['s3://', ...GLUE_MODULE_KEYS.flatMap((key, i) => [{ Ref: Match.anyValue() }, `/${key}${i < GLUE_MODULE_KEYS.length - 1 ? ',s3://' : ''}`])],
          ],
        },
      }),
    });
  });

  it('uses no Glue 4.0-only logging argument', () => {
    // Prepare
    const [job] = Object.values(resourcesOf(template, 'AWS::Glue::Job'));

    // Act
    const args = Object.keys(job.Properties?.DefaultArguments as object);

    // Assess
    expect(args).not.toContain('--enable-continuous-cloudwatch-log');
    expect(args).not.toContain('--continuous-log-logGroup');
  });

  it('turns job bookmarks off: the runner reads its input by key and version, never through a bookmarked source', () => {
    // Prepare
    const [job] = Object.values(resourcesOf(template, 'AWS::Glue::Job'));

    // Act
    const args = job.Properties?.DefaultArguments as Record<string, unknown>;

    // Assess
    expect(args['--job-bookmark-option']).toBe('job-bookmark-disable');
  });

  it('encrypts its logs, bookmarks and S3 writes with the pipeline key', () => {
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      Name: Match.stringLikeRegexp('^etl-pipeline-security-[0-9a-f]{8}$'),
      EncryptionConfiguration: {
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: Match.anyValue() },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: Match.anyValue() },
        S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: Match.anyValue() }],
      },
    });
  });

  it('deletes its security configuration with the stack, so that a rollback or a destroy leaves nothing to block the next create', () => {
    template.hasResource('AWS::Glue::SecurityConfiguration', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  it('names its security configuration after its settings, so that a change replaces it under a new name', () => {
    // Prepare: the same job with two different keys
    const nameWith = (keyId: string): unknown => {
      const scope = new Stack(new App(), 'Job', {});
      const key = new kms.Key(scope, keyId);
      new TransformJob(scope, 'Transform', {
        names: new PhysicalNames(''),
        bucket: new s3.Bucket(scope, 'Bucket'),
        encryptionKey: key,
        deploymentLogGroup: new logs.LogGroup(scope, 'DeploymentLogs'),
        datasets: stack.config.datasets,
        workers: 2,
        maxConcurrentRuns: 1,
        timeoutMinutes: 10,
        logRetention: logs.RetentionDays.ONE_DAY,
      });
      const [configuration] = Object.values(Template.fromStack(scope).findResources('AWS::Glue::SecurityConfiguration'));
      return (configuration as { Properties: { Name: unknown } }).Properties.Name;
    };

    // Act
    const [first, again, other] = [nameWith('KeyA'), nameWith('KeyA'), nameWith('KeyB')];

    // Assess
    expect(first).toBe(again);
    expect(other).not.toBe(first);
  });

  it.each(['output', 'error'])('has the %s log group of its prefix, with retention', (stream) => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `${GLUE_LOG_GROUP_PREFIX}/${stream}`, RetentionInDays: 30 });
  });

  it('declares the groups Glue names after its security configuration and role (logs encrypted), as the others: retention, key, deleted with the stack', () => {
    // Prepare: the names as the template writes them, with the configuration's and the role's references
    const [[configurationId]] = Object.entries(resourcesOf(template, 'AWS::Glue::SecurityConfiguration'));
    const [[jobId, job]] = Object.entries(resourcesOf(template, 'AWS::Glue::Job'));
    const roleId = (job.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const names = securityConfigurationLogGroupNames('<configuration>', '<role>').map((name) => {
      const [root, rest] = name.split('<configuration>');
      const [middle, stream] = rest.split('<role>');
      return { 'Fn::Join': ['', [root, { Ref: configurationId }, middle, { Ref: roleId }, stream]] };
    });
    const prefixGroup = Object.values(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: `${GLUE_LOG_GROUP_PREFIX}/output` } }))[0];

    // Act
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([, r]) =>
      names.some((name) => JSON.stringify(r.Properties?.LogGroupName) === JSON.stringify(name)),
    );

    // Assess: /aws-glue/jobs/<configuration>-role/<role>/{output,error}, like the prefix's groups
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group).toMatchObject({
        DeletionPolicy: prefixGroup.DeletionPolicy,
        UpdateReplacePolicy: prefixGroup.UpdateReplacePolicy,
        Properties: { RetentionInDays: 30, KmsKeyId: prefixGroup.Properties.KmsKeyId },
      });
    }
    // Created before the job, so that no run creates them first without retention.
    expect(job.DependsOn).toEqual(expect.arrayContaining(groups.map(([id]) => id)));
    expect(jobId).toMatch(/^TransformJob/);
  });

  it('lets its role write to those groups and associate the key with them, which the managed AWSGlueServiceRole does not', () => {
    // Prepare
    const groupIds = Object.entries(template.findResources('AWS::Logs::LogGroup'))
      .filter(([, r]) => JSON.stringify(r.Properties?.LogGroupName).includes('/aws-glue/jobs/'))
      .map(([id]) => id);

    // Act
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] }).Statement)
      .filter((statement) => statement.Sid === 'WriteEncryptedJobLogs');

    // Assess: the groups (and their streams: the Arn ends in :*), and each group itself
    expect(groupIds).toHaveLength(2);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toEqual(['logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(statements[0].Resource).toEqual(
      expect.arrayContaining([
        ...groupIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
        ...groupIds.map((id) => ({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: id }]],
        })),
      ]),
    );
  });

  it('takes its worker count from context, within 2–10', () => {
    // Prepare / Act
    const { template: scaled } = synthPipeline({ context: { 'etl:glueWorkers': '10', 'etl:glueTimeoutMinutes': 30 } });

    // Assess
    scaled.hasResourceProperties('AWS::Glue::Job', { NumberOfWorkers: 10, Timeout: 30 });
    expect(() => synthPipeline({ context: { 'etl:glueWorkers': 11 } })).toThrow(/etl:glueWorkers: expected a whole number from 2 to 10/);
  });
});

describe('notifications', () => {
  it.each(['etl-job-success', 'etl-job-failure', 'etl-job-warning', 'etl-critical-alerts'])('%s is KMS-encrypted and TLS-only', (topicName) => {
    // Prepare
    const [id] = Object.entries(resourcesOf(template, 'AWS::SNS::Topic')).find(([, t]) => t.Properties?.TopicName === topicName) ?? [];

    // Act / Assess
    expect(id).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: topicName, KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('subscribes the e-mail addresses given in context', () => {
    // Prepare
    const subscriptions = Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).map((s) => s.Properties?.Endpoint);

    // Act / Assess
    expect(subscriptions.sort()).toEqual(['data@example.com', 'oncall@example.com', 'ops@example.com']);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'data@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^TopicsFailure') },
    });
  });
});

describe('audit path', () => {
  it('logs every Glue job state change of this job to /aws/eventbridge/etl-pipeline-rules, with a DLQ and a retry policy', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.glue'], 'detail-type': ['Glue Job State Change'], detail: { jobName: [{ Ref: Match.stringLikeRegexp('^TransformJob') }] } },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':log-group:/aws/eventbridge/etl-pipeline-rules$')])] },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/eventbridge/etl-pipeline-rules' });
    const [resourcePolicy] = Object.values(resourcesOf(template, 'AWS::Logs::ResourcePolicy'));
    const document = JSON.stringify(resourcePolicy.Properties?.PolicyDocument);
    expect(document).toContain('events.amazonaws.com');
    expect(document).toContain('logs:CreateLogStream');
    expect(document).toContain(':log-group:/aws/eventbridge/etl-pipeline-rules:*');
  });

  it('sends the execution failure as a JSON message that stays valid whatever the cause holds', () => {
    // Prepare: what EventBridge does with an input template: a variable that is a whole JSON value
    // becomes that value; one inside a string is pasted in raw (it does not escape it).
    const [rule] = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties?.EventPattern).includes('aws.states'));
    const { InputPathsMap: paths, InputTemplate: inputTemplate } = (
      rule.Properties?.Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[]
    )[0].InputTransformer;
    const detail: Record<string, unknown> = {
      name: 'orders-orders-2026-11-25-1a2b3c',
      status: 'FAILED',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:etl-pipeline:orders-orders-2026-11-25-1a2b3c',
      error: 'Lambda.Unknown',
      cause: '{"errorType":"Error","errorMessage":"The \\"orders\\" file\nhas a \\\\ and quotes"}',
    };
    const valueOf = (variable: string): unknown => detail[paths[variable].replace(/^\$\.detail\./, '')];
    const substitute = (text: string): string => {
      let out = '';
      let inString = false;
      for (let i = 0; i < text.length; i += 1) {
        const variable = /^<([A-Za-z0-9_.-]+)>/.exec(text.slice(i));
        if (variable && paths[variable[1]]) {
          const value = valueOf(variable[1]);
          out += inString ? String(value) : JSON.stringify(value);
          i += variable[0].length - 1;
          continue;
        }
        if (text[i] === '"' && text[i - 1] !== '\\') inString = !inString;
        out += text[i];
      }
      return out;
    };

    // Act
    const message = substitute(inputTemplate);

    // Assess
    expect(() => JSON.parse(message)).not.toThrow();
    expect(JSON.parse(message)).toMatchObject({
      execution: detail.name,
      status: 'FAILED',
      error: 'Lambda.Unknown',
      cause: detail.cause,
      executionArn: detail.executionArn,
    });
  });

  it('sends executions that timed out, were aborted or failed unannounced to etl-critical-alerts', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('^PipelineStateMachine') }],
          $or: [{ status: ['TIMED_OUT', 'ABORTED'] }, { status: ['FAILED'], error: [{ 'anything-but': notifiedFailureErrors() }] }],
        },
      },
      Targets: [
        Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^TopicsCritical') }, DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() }),
      ],
    });
  });

  it('counts the Lambda runtime errors of the fast path as notified, and a critical alert that could not be published as not', () => {
    // Prepare
    const [rule] = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties?.EventPattern).includes('aws.states'));
    const failed = (rule.Properties?.EventPattern as { detail: { $or: { status: string[]; error?: { 'anything-but': string[] }[] }[] } }).detail.$or.find(
      (branch) => branch.error,
    );

    // Act
    const notified = failed?.error?.[0]['anything-but'];

    // Assess
    expect(notified).toEqual(
      expect.arrayContaining(['Runtime.OutOfMemory', 'Runtime.ExitError', 'Sandbox.Timedout', 'States.Timeout', 'PipelineCriticalError']),
    );
    expect(notified).not.toContain('CriticalNotificationFailedError');
    expect(notified?.filter((name) => name.startsWith('Lambda.'))).toEqual([]);
  });
});

describe('monitoring', () => {
  const critical = { AlarmActions: [{ Ref: Match.stringLikeRegexp('^TopicsCritical') }] };

  it('alarms on Glue job failures that are not a data verdict', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('detail.message != %HeaderMismatchError\\|MalformedCsvError\\|QualityThresholdError%'),
      MetricTransformations: [Match.objectLike({ MetricName: 'GlueJobRunsFailedUnexpectedly', MetricNamespace: 'EtlPipeline' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...critical, MetricName: 'GlueJobRunsFailedUnexpectedly', Threshold: 1 });
  });

  it.each(['GlueJobRunsFailed', 'GlueJobRunsFailedUnexpectedly'])('counts in %s every job state Glue emits for a run that did not succeed', (metricName) => {
    // Prepare: the "Glue Job State Change" states (AWS Glue documentation): SUCCEEDED, FAILED, TIMEOUT, STOPPED
    const [filter] = Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).filter(
      (f) => (f.Properties?.MetricTransformations as { MetricName: string }[])[0].MetricName === metricName,
    );

    // Act
    const states = [...String(filter.Properties?.FilterPattern).matchAll(/\$\.detail\.state = "([A-Z]+)"/g)].map((m) => m[1]);

    // Assess
    expect(states.sort()).toEqual(['FAILED', 'STOPPED', 'TIMEOUT']);
  });

  it.each([
    ['ExecutionsFailed', 3, 3600],
    ['ExecutionsTimedOut', 1, 300],
    ['ExecutionThrottled', 1, 300],
    ['ExecutionsAborted', 1, 300],
  ])('alarms on the state machine metric %s (threshold %d per %d s)', (metricName, threshold, period) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...critical,
      Namespace: 'AWS/States',
      MetricName: metricName,
      Threshold: threshold,
      Period: period,
    });
  });

  it.each(Object.values(FUNCTION_SPECS).map((s) => [s.functionName, s.timeoutSeconds, s.errorsByDesign, s.failsOnDataVerdicts] as const))(
    'alarms on errors, throttles and near-timeout duration of %s',
    (functionName, timeoutSeconds, errorsByDesign, failsOnDataVerdicts) => {
      const dims = { Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.anyValue() } }] };
      if (failsOnDataVerdicts) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          ...critical,
          AlarmName: `${functionName}-errors`,
          Threshold: 1,
          Metrics: Match.arrayWith([
            Match.objectLike({ Expression: 'FILL(errors, 0) - FILL(verdicts, 0)' }),
            Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ Namespace: 'AWS/Lambda', MetricName: 'Errors' }) }) }),
          ]),
        });
      } else if (errorsByDesign) {
        expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `${functionName}-errors` } })).toEqual({});
      } else {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          ...critical,
          ...dims,
          AlarmName: `${functionName}-errors`,
          MetricName: 'Errors',
          Threshold: 1,
        });
      }
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...critical, AlarmName: `${functionName}-throttles`, MetricName: 'Throttles' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...critical,
        AlarmName: `${functionName}-duration`,
        MetricName: 'Duration',
        Statistic: 'Maximum',
        Threshold: timeoutSeconds * 1000 * 0.8,
      });
    },
  );

  it("counts the fast path's data verdicts from its JSON logs, and its memory use and cold starts from their platform.report", () => {
    // Prepare
    const logGroup = { Ref: Match.stringLikeRegexp('^FunctionsTransformInLambdaLogs') };

    // Act / Assess: the runtime logs an invocation error as {"level":"ERROR","errorType":…}
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: logGroup,
      FilterPattern: `{ ($.level = "ERROR") && (${dataVerdictErrors()
        .map((e) => `($.errorType = "${e}")`)
        .join(' || ')}) }`,
      MetricTransformations: [Match.objectLike({ MetricName: 'TransformInLambdaDataVerdicts', MetricValue: '1' })],
    });
    for (const [metricName, field] of [
      ['TransformInLambdaMaxMemoryUsed', 'maxMemoryUsedMB'],
      ['TransformInLambdaInitDuration', 'initDurationMs'],
    ]) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: logGroup,
        FilterPattern: '{ $.type = "platform.report" }',
        MetricTransformations: [Match.objectLike({ MetricName: metricName, MetricValue: `$.record.metrics.${field}` })],
      });
    }
  });

  it('alarms on unexpected rows ingested with an anomaly band per dataset', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...critical,
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'ANOMALY_DETECTION_BAND(m0, 2)' }),
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'EtlPipeline',
              MetricName: 'RowsIngested',
              Dimensions: Match.arrayWith([
                { Name: 'dataset', Value: 'orders' },
                { Name: 'service', Value: 'etl-summarize' },
              ]),
            },
          }),
        }),
      ]),
    });
  });

  it('alarms when events wait in a dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...critical,
      AlarmName: 'etl-trigger-events-dead-letters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...critical, AlarmName: 'etl-rule-targets-dead-letters' });
  });

  it('sends every alarm to etl-critical-alerts', () => {
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^TopicsCritical/) }]);
    }
  });

  it('creates the budget only once the critical topic lets Budgets publish (Budgets checks it at creation)', () => {
    // Prepare
    const [policyId] =
      Object.entries(resourcesOf(template, 'AWS::SNS::TopicPolicy')).find(([, p]) =>
        JSON.stringify(p.Properties?.PolicyDocument).includes('budgets.amazonaws.com'),
      ) ?? [];
    const [budget] = Object.values(resourcesOf(template, 'AWS::Budgets::Budget'));

    // Act / Assess
    expect(policyId).toBeDefined();
    expect([budget.DependsOn ?? []].flat()).toContain(policyId);
  });

  it('keeps a monthly cost budget that alerts etl-critical-alerts, which lets Budgets and CloudWatch publish', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 50, Unit: 'USD' } },
      NotificationsWithSubscribers: Match.arrayWith([
        Match.objectLike({ Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('^TopicsCritical') } }] }),
      ]),
    });
    for (const service of ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: Match.stringLikeRegexp('^TopicsCritical') }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: service }, Action: 'sns:Publish', Effect: 'Allow' })]) },
      });
    }
  });

  it('has one dashboard with executions, Glue runs, Lambda, rows, duplicates and rejects', () => {
    // Prepare
    const dashboards = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));

    // Act
    const body = JSON.stringify(dashboards[0].Properties?.DashboardBody);

    // Assess
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0].Properties?.DashboardName).toEqual({ 'Fn::Join': ['', ['etl-pipeline-', { Ref: 'AWS::Region' }]] });
    for (const title of [
      'Executions',
      'Glue job runs',
      'Lambda duration (max)',
      'Lambda errors and throttles',
      'Rows in / out',
      'Duplicates removed',
      'Rejects: files and malformed rows',
      'Transforms: etl-transform-in-lambda-function (fast path) and Glue',
      'etl-transform-in-lambda-function duration',
      'etl-transform-in-lambda-function memory used',
    ]) {
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    }
  });
});

describe('encryption key', () => {
  it('rotates and lets CloudWatch Logs, alarms, EventBridge and Budgets use it', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowCloudWatchLogs', Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } }),
          Match.objectLike({
            Sid: 'AllowServicesToPublishEncrypted',
            Principal: { Service: ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
          }),
        ]),
      },
    });
  });
});

describe('environment', () => {
  it('is environment-agnostic (account and region resolve at deploy time)', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });
});
