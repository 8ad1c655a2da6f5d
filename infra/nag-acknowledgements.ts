/**
 * Every cdk-nag (AWS Solutions) finding the stack keeps, acknowledged on the construct it
 * concerns, each with the reason it is acceptable. A new finding is not covered here and fails
 * the synth (`test/infra/nag.test.ts` also fails on it).
 */
import { DefaultStackSynthesizer, Stack, Validations } from 'aws-cdk-lib';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';

import { QUERY_RESULTS_PREFIX } from '../core/catalog';
import { PREFIX } from '../core/naming';
import { FUNCTION_SPECS, type FunctionKey, OBJECT_ACCESS, type ObjectAccess } from './constructs/pipeline-functions';
import { ConstructLookupError } from './errors';
import type { EtlPipelineStack } from './etl-pipeline-stack';

/** One acknowledgement: where, which finding, and why. */
export interface NagAcknowledgement {
  readonly scope: IConstruct;
  readonly id: string;
  readonly reason: string;
}

const XRAY_REASON =
  'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (Resource "*" is the only valid value).';

/** The acknowledgements of the stack, for {@link acknowledgeNagFindings} and the tests. */
export function nagAcknowledgements(stack: EtlPipelineStack): NagAcknowledgement[] {
  const acks: NagAcknowledgement[] = [];
  const add = (scope: IConstruct, id: string, reason: string): void => {
    acks.push({ scope, id, reason });
  };
  const bucketArn = `<${stack.getLogicalId(stack.data.bucket.node.defaultChild as CfnBucket)}.Arn>`;
  const objects = (prefix: string): string => `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`;

  // Lambda functions: object-level access below the prefixes they work on, and X-Ray.
  for (const [key, spec] of Object.entries(FUNCTION_SPECS) as [FunctionKey, (typeof FUNCTION_SPECS)[FunctionKey]][]) {
    const role = stack.functions.byKey[key].role as IConstruct;
    add(role, 'AwsSolutions-IAM5[Resource::*]', `${spec.functionName}: ${XRAY_REASON}`);
    const access = Object.entries(spec.s3) as [keyof ObjectAccess, readonly string[]][];
    for (const prefix of new Set(access.flatMap(([, prefixes]) => prefixes))) {
      const verbs = access
        .filter(([, prefixes]) => prefixes.includes(prefix))
        .map(([kind]) => OBJECT_ACCESS[kind].verb)
        .join('/');
      add(
        role,
        objects(prefix),
        `${spec.functionName} must ${verbs} objects whose keys are only known at run time (they come from the upload), all below ${prefix}; the wildcard is limited to that prefix of the pipeline bucket.`,
      );
    }
  }

  // The trigger describes the existing execution of a duplicate event: its name comes from the upload.
  const machineId = stack.getLogicalId(stack.machine.stateMachine.node.defaultChild as CfnStateMachine);
  add(
    stack.functions.byKey.trigger.role as IConstruct,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}:*]`,
    `${FUNCTION_SPECS.trigger.functionName} calls states:DescribeExecution on the execution a duplicate event names. Execution names are derived from each upload, so the grant covers the executions of this one state machine.`,
  );

  // State machine: vended-logs delivery and X-Ray, added by the StateMachine construct.
  add(
    stack.machine.stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'etl-pipeline state machine: logging level ALL to CloudWatch Logs uses the log-delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, …) and tracing uses X-Ray actions; none of them supports resource-level permissions.',
  );

  // Glue job role.
  const glueRole = stack.transform.role;
  add(
    glueRole,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSGlueServiceRole]',
    'etl-transformation-job: AWSGlueServiceRole is the service policy Glue documents for job roles (Glue API calls of the runtime such as bookmarks, glue metrics, the default /aws-glue/* log groups). It grants no access to the pipeline bucket, which is granted separately on exact prefixes.',
  );
  const glueObjects: Record<string, string> = {
    'extract/': 'reads the one input CSV named by its --input_key argument, anywhere below extract/',
    'scripts/': 'reads its helper module and the compiled plan of the run’s dataset, below scripts/',
    'load/':
      'writes, publishes and replaces Parquet files of any dataset below load/ (a run’s files in load/_staging/<dataset>/<run>/, the partitions load/<dataset>/dt=…/, the state’s versions and its symlink manifest in load/latest/<dataset>/, the last-success report in load/_meta/<dataset>/)',
    'logs/glue-jobs/':
      'writes the run report and the rejects file below logs/glue-jobs/ (and reads the last-success report where releases before load/_meta/ kept it)',
  };
  for (const [prefix, what] of Object.entries(glueObjects)) {
    add(glueRole, objects(prefix), `etl-transformation-job ${what}; keys are decided per run, so the grant is the prefix.`);
  }
  const glueLogs = stack.transform.logGroupPrefix;
  add(
    glueRole,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${glueLogs}*]`,
    `etl-transformation-job writes to ${glueLogs}/output and /error (--custom-logGroup-prefix); Glue names a log stream per job run (and may suffix the group names when the security configuration encrypts logs), so the grant is the prefix.`,
  );

  // The query policy: the tables' files and the query results, whose keys only Athena knows.
  const queryPolicy = stack.query.queryPolicy;
  const queryWho = `The query policy of the ${stack.query.workGroupName} workgroup`;
  add(
    queryPolicy,
    objects(PREFIX.load),
    `${queryWho} reads the tables' Parquet files: every dt= partition Athena projects below load/<dataset>/ and the files a load/latest/<dataset>/ symlink manifest lists; the wildcard is limited to load/ of the pipeline bucket.`,
  );
  add(
    queryPolicy,
    'AwsSolutions-IAM5[Resource::*]',
    `${queryWho} lets the Athena console and JDBC/ODBC clients list the data catalogs and workgroups (athena:ListDataCatalogs, athena:ListWorkGroups): the Service Authorization Reference gives both no resource type, so "*" is the only valid value; they list names, not a catalog's content.`,
  );
  add(
    queryPolicy,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${stack.query.databaseName}/*]`,
    `${queryWho} lists the tables of the pipeline's database (glue:GetTables, which Glue authorises on the tables it returns); the database holds only the tables the pipeline declares.`,
  );
  add(
    queryPolicy,
    objects(QUERY_RESULTS_PREFIX),
    `${queryWho} writes and reads query results, which Athena names per query execution below ${QUERY_RESULTS_PREFIX}; the wildcard is limited to that prefix of the pipeline bucket.`,
  );

  // CDK's BucketDeployment handler (the scripts/ deployment and the layout READMEs).
  const deployment = singleton(stack, 'Custom::CDKBucketDeployment');
  const qualifier = (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const deploymentReason = (what: string): string =>
    `CDK BucketDeployment handler (aws-cdk-lib, not our code) copies the Glue scripts and plans and the layout README files from the CDK assets bucket into the pipeline bucket: ${what}.`;
  add(
    deployment,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    deploymentReason('the construct attaches the basic execution policy for its own logs'),
  );
  for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
    add(
      deployment,
      `AwsSolutions-IAM5[Action::${action}]`,
      deploymentReason(`${action} comes from the construct's fixed bucket and key grants (sync with prune needs list, copy and delete)`),
    );
  }
  add(
    deployment,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
    deploymentReason('it reads the staged asset zips from the bootstrap assets bucket'),
  );
  add(
    deployment,
    `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
    deploymentReason('its grant covers the destination bucket; with prune it only touches the keys under its destination prefix'),
  );
  add(deployment, 'AwsSolutions-L1', deploymentReason('its Python runtime is chosen by aws-cdk-lib and moves forward with aws-cdk-lib upgrades'));

  // CDK's bucket-notifications handler (S3 → trigger notification).
  add(
    singleton(stack, 'BucketNotificationsHandler'),
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK BucketNotificationsHandler (aws-cdk-lib) writes the bucket’s extract/*.csv → trigger notification at deploy time; the construct attaches the basic execution policy for its own logs.',
  );

  add(
    stack.audit.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the EventBridge rule targets (audit log group, critical topic); a queue behind it would only move the problem. Its depth has an alarm to etl-critical-alerts.',
  );
  return acks;
}

/** Records every acknowledgement on its construct. */
export function acknowledgeNagFindings(stack: EtlPipelineStack): void {
  for (const ack of nagAcknowledgements(stack)) Validations.of(ack.scope).acknowledge({ id: ack.id, reason: ack.reason });
}

/** A singleton construct aws-cdk-lib adds to the stack, by the start of its id. */
export function singleton(stack: Stack, idPrefix: string): IConstruct {
  const found = stack.node.children.filter((c) => c.node.id.startsWith(idPrefix));
  if (found.length !== 1) throw new ConstructLookupError(`expected one ${idPrefix}* construct in ${Stack.of(stack).stackName}, found ${found.length}`);
  return found[0];
}
