/**
 * The resources of the pipeline's template that its functions reach, created on moto's server:
 * the data bucket (versioned), the SNS topics, and the state machine from the template's own
 * `DefinitionString` with its `DefinitionSubstitutions` resolved — with the local values of every
 * `Ref` and `Fn::GetAtt` the functions' environments and the substitutions use. moto stores the
 * state machine and its executions; it does not run them (test/helpers/drive-execution.ts does).
 */
import { type BucketLocationConstraint, CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';

import { substitute } from '../../statemachine/definition';
import { type CfnValues, pseudoParameters, resolveIntrinsics } from './cfn-intrinsics';
import type { StackTemplate } from './deployed-function';
import type { MotoClientConfig } from './moto-server';

/** The account moto's server answers as. */
export const MOTO_ACCOUNT_ID = '123456789012';

/** The stack's resources on moto. */
export interface StackOnMoto {
  readonly bucket: string;
  readonly stateMachineArn: string;
  /** The definition moto holds (placeholders filled). */
  readonly definition: string;
  /** Topic ARNs by topic name. */
  readonly topics: Readonly<Record<string, string>>;
  /** What the template's intrinsics resolve to. */
  readonly values: CfnValues;
}

function onlyResource(template: StackTemplate, type: string): [string, Record<string, unknown>] {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} in the template, found ${found.length}`);
  return [found[0][0], found[0][1].Properties ?? {}];
}

/** One rule of a bucket's event notifications: S3 invokes `functionLogicalId` for a key it matches. */
export interface LambdaNotification {
  readonly bucketLogicalId: string;
  readonly functionLogicalId: string;
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
}

/** The Lambda notifications of the template's buckets (CDK's `Custom::S3BucketNotifications`). */
export function lambdaNotifications(template: StackTemplate): LambdaNotification[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'Custom::S3BucketNotifications')
    .flatMap((r) => {
      const p = r.Properties as { BucketName: { Ref: string }; NotificationConfiguration: { LambdaFunctionConfigurations?: Record<string, unknown>[] } };
      return (p.NotificationConfiguration.LambdaFunctionConfigurations ?? []).map((c) => {
        const rules = (c.Filter as { Key?: { FilterRules?: { Name: string; Value: string }[] } } | undefined)?.Key?.FilterRules ?? [];
        const rule = (name: string) => rules.find((f) => f.Name.toLowerCase() === name)?.Value ?? '';
        return {
          bucketLogicalId: p.BucketName.Ref,
          functionLogicalId: (c.LambdaFunctionArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
          events: c.Events as string[],
          prefix: rule('prefix'),
          suffix: rule('suffix'),
        };
      });
    });
}

/** The notification rule S3 applies to an object created under `key`, if any. */
export function notificationFor(notifications: readonly LambdaNotification[], key: string): LambdaNotification | undefined {
  return notifications.find(
    (n) => n.events.some((e) => e === 's3:ObjectCreated:*' || e === 's3:ObjectCreated:Put') && key.startsWith(n.prefix) && key.endsWith(n.suffix),
  );
}

/** The data bucket: the one whose object events invoke a function. */
function dataBucketOf(template: StackTemplate): string {
  const buckets = [...new Set(lambdaNotifications(template).map((n) => n.bucketLogicalId))];
  if (buckets.length !== 1) throw new Error(`expected one bucket that notifies a function, found ${buckets.length}`);
  return buckets[0];
}

/**
 * Creates the data bucket `bucket` (the template lets CloudFormation name it), every topic and the
 * state machine on moto. Refs and ARNs of the other resources are those CloudFormation would give
 * them in moto's account and region.
 */
export async function createStackOnMoto(
  template: StackTemplate,
  moto: MotoClientConfig,
  options: { readonly bucket: string; readonly stackName: string },
): Promise<StackOnMoto> {
  const { region } = moto;
  const refs: Record<string, string> = {};
  const attributes: Record<string, Record<string, string>> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') {
      const name = String(p.FunctionName ?? logicalId);
      refs[logicalId] = name;
      attributes[logicalId] = { Arn: `arn:aws:lambda:${region}:${MOTO_ACCOUNT_ID}:function:${name}` };
    } else if (resource.Type === 'AWS::IAM::Role') {
      refs[logicalId] = logicalId;
      attributes[logicalId] = { Arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${logicalId}` };
    } else if (resource.Type === 'AWS::Glue::Job') {
      refs[logicalId] = String(p.Name ?? logicalId);
    }
  }

  const s3 = new S3Client(moto);
  const sns = new SNSClient(moto);
  const sfn = new SFNClient(moto);
  try {
    const bucketId = dataBucketOf(template);
    await s3.send(new CreateBucketCommand({ Bucket: options.bucket, CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: options.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    refs[bucketId] = options.bucket;
    attributes[bucketId] = { Arn: `arn:aws:s3:::${options.bucket}` };

    const topics: Record<string, string> = {};
    for (const [logicalId, resource] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic')) {
      const name = String(resource.Properties?.TopicName ?? logicalId);
      const created = await sns.send(new CreateTopicCommand({ Name: name }));
      topics[name] = created.TopicArn as string;
      refs[logicalId] = created.TopicArn as string;
      attributes[logicalId] = { TopicArn: created.TopicArn as string, TopicName: name };
    }

    const values: CfnValues = { pseudo: pseudoParameters(region, MOTO_ACCOUNT_ID, options.stackName), refs, attributes };
    const [machineId, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const substitutions = resolveIntrinsics(machine.DefinitionSubstitutions ?? {}, values) as Record<string, string>;
    const definition = substitute(String(resolveIntrinsics(machine.DefinitionString, values)), substitutions);
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: String(machine.StateMachineName ?? machineId),
        definition,
        roleArn: String(resolveIntrinsics(machine.RoleArn, values)),
        type: 'STANDARD',
      }),
    );
    const stateMachineArn = created.stateMachineArn as string;
    refs[machineId] = stateMachineArn;
    attributes[machineId] = { Arn: stateMachineArn, Name: String(machine.StateMachineName ?? machineId) };
    return { bucket: options.bucket, stateMachineArn, definition, topics, values };
  } finally {
    s3.destroy();
    sns.destroy();
    sfn.destroy();
  }
}
