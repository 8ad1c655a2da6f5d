/**
 * IAM, pinned to what the code does: the state machine's role grants exactly what the ASL's Tasks
 * need (the definition is inlined, so nothing is inferred), and each role reaching the bucket
 * does so on exact prefixes only.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import type { Template } from 'aws-cdk-lib/assertions';

import { LAMBDA_STEPS, TASK_STEP_KEYS } from '../../core/pipeline-steps';
import { FUNCTION_SPECS, type FunctionKey } from '../../infra/constructs/pipeline-functions';
import { PLACEHOLDERS, parseDefinition, placeholderText, readAslText, type TaskState, taskStates } from '../../statemachine/definition';
import { resourcesOf, synthPipeline } from './synth-pipeline';

/** One granted (or required) permission: an action on a resource, as template JSON. */
type Grant = string;
const grant = (action: string, resource: unknown): Grant => `${action} on ${JSON.stringify(resource)}`;

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

let template: Template;

beforeAll(() => {
  ({ template } = synthPipeline({ bundle: false }));
});

/** The logical id of the role a resource (function, state machine, job) runs with. */
function roleOf(type: string, match: (props: Record<string, unknown>) => boolean, roleProperty: string): string {
  const found = Object.values(resourcesOf(template, type)).filter((r) => match(r.Properties ?? {}));
  expect(found).toHaveLength(1);
  const role = found[0].Properties?.[roleProperty] as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

/** Every Allow (action, resource) pair of the inline policies attached to a role. */
function grantsOf(roleId: string): Set<Grant> {
  const grants = new Set<Grant>();
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    const roles = (policy.Properties?.Roles as { Ref: string }[] | undefined) ?? [];
    if (!roles.some((r) => r.Ref === roleId)) continue;
    for (const statement of (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement) {
      expect(statement.Effect).toBe('Allow');
      const actions = [statement.Action].flat();
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const action of actions) for (const resource of resources) grants.add(grant(action, resource));
    }
  }
  return grants;
}

function only(grants: Set<Grant>, services: readonly string[]): Grant[] {
  return [...grants].filter((g) => services.some((s) => g.startsWith(`${s}:`))).sort();
}

describe('state machine role', () => {
  /** The Resource of a Task that invokes one of the pipeline's functions. */
  const lambdaResources = new Set(TASK_STEP_KEYS.map((key) => placeholderText(LAMBDA_STEPS[key].aslPlaceholder)));

  let substitutions: Record<string, unknown>;
  let roleId: string;
  let granted: Set<Grant>;

  beforeAll(() => {
    const [machine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
    substitutions = machine.Properties?.DefinitionSubstitutions as Record<string, unknown>;
    roleId = roleOf('AWS::StepFunctions::StateMachine', () => true, 'RoleArn');
    granted = grantsOf(roleId);
  });

  /** The value a `${Placeholder}` string stands for in the template. */
  const substituted = (text: unknown): unknown => {
    const name = PLACEHOLDERS.find((p) => placeholderText(p) === text);
    if (!name) throw new Error(`expected a placeholder, got ${String(text)}`);
    expect(substitutions).toHaveProperty(name);
    return substitutions[name];
  };

  /** The KMS key a topic (given as `{ Ref }`) is encrypted with. */
  const topicKey = (topic: unknown): unknown => {
    const id = (topic as { Ref: string }).Ref;
    return resourcesOf(template, 'AWS::SNS::Topic')[id].Properties?.KmsMasterKeyId;
  };

  /** What one Task needs, by the integration its Resource names. */
  const needs = (name: string, task: TaskState): Grant[] => {
    const resource = task.Resource;
    if (lambdaResources.has(resource)) {
      return [grant('lambda:InvokeFunction', substituted(resource))];
    }
    if (resource === 'arn:aws:states:::glue:startJobRun.sync') {
      const jobName = substituted(task.Parameters?.JobName);
      expect(jobName).toEqual({ Ref: expect.stringMatching(/^TransformJob/) });
      const [, job] = Object.entries(resourcesOf(template, 'AWS::Glue::Job')).find(([id]) => id === (jobName as { Ref: string }).Ref) ?? [];
      const jobArn = {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:job/${String(job?.Properties?.Name)}`],
        ],
      };
      // .sync: start the run, poll it, and stop it when the Task times out or the execution stops.
      return ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'].map((a) => grant(a, jobArn));
    }
    if (resource === 'arn:aws:states:::sns:publish') {
      const topic = substituted(task.Parameters?.TopicArn);
      const key = topicKey(topic);
      // An encrypted topic: the publisher needs a data key from the topic's KMS key.
      return [grant('sns:Publish', topic), ...(key ? [grant('kms:GenerateDataKey', key), grant('kms:Decrypt', key)] : [])];
    }
    throw new Error(`Task ${name} uses ${resource}: this test knows no permission rule for it; add one`);
  };

  it('grants every Task of the ASL exactly what it needs, and nothing else on those services', () => {
    // Prepare
    const required = new Set(taskStates(parseDefinition(readAslText())).flatMap(([name, t]) => needs(name, t)));

    // Act
    const relevant = only(granted, ['lambda', 'glue', 'sns', 'kms', 'states', 's3', 'sqs', 'dynamodb', 'events', 'iam']);

    // Assess
    expect(relevant).toEqual([...required].sort());
  });

  it('adds only the log-delivery and X-Ray actions that logging ALL and tracing require', () => {
    // Prepare
    const expected = [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ].map((a) => grant(a, '*'));

    // Act
    const others = [...granted].filter((g) => !only(granted, ['lambda', 'glue', 'sns', 'kms']).includes(g)).sort();

    // Assess
    expect(others).toEqual(expected);
  });

  it('has no managed policy', () => {
    expect(resourcesOf(template, 'AWS::IAM::Role')[roleId].Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('bucket access on exact prefixes', () => {
  let bucket: { 'Fn::GetAtt': [string, string] };
  let key: unknown;
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucket, `/${prefix}*`]] });

  beforeAll(() => {
    const id = Object.keys(resourcesOf(template, 'AWS::S3::Bucket')).find((k) => k.startsWith('DataBucket')) as string;
    bucket = { 'Fn::GetAtt': [id, 'Arn'] };
    key = { 'Fn::GetAtt': [Object.keys(resourcesOf(template, 'AWS::KMS::Key'))[0], 'Arn'] };
  });

  // What each handler does with the bucket (handlers/*.ts): written here by hand, not derived.
  const expectedByFunction: Record<
    FunctionKey,
    { get?: string[]; getCurrent?: string[]; head?: string[]; put?: string[]; del?: string[]; delVersion?: string[]; listVersions?: string[] }
  > = {
    // HeadObject of the event's version (its checksum) and of the first execution's archived copy, then a delete of the duplicate's version only.
    trigger: { get: ['extract/'], delVersion: ['extract/'] },
    // The schema guard reads the schema each dataset was loaded with (current only), at its key in
    // load/_meta/ or, after an upgrade, where earlier releases kept it; Summarize records it.
    validate: { get: ['extract/'], getCurrent: ['load/_meta/*/schema.json', 'logs/glue-jobs/*/_schema.json'] },
    reject: { get: ['extract/'], put: ['extract/rejected/'], del: ['extract/'] },
    // The fast path's transform: the input by its version; below load/ the dataset's state, its
    // manifest (replaced by a conditional PUT) and its loads, read, written and replaced; the run
    // report and the rejects written below logs/glue-jobs/; the last success written and read back
    // in load/_meta/, and read where earlier releases kept it.
    transformInLambda: {
      get: ['extract/'],
      getCurrent: ['load/', 'logs/glue-jobs/*/_last-success.json'],
      put: ['load/', 'logs/glue-jobs/'],
      del: ['load/'],
    },
    describeFailure: { get: ['logs/glue-jobs/'] },
    summarize: { get: ['logs/glue-jobs/'], getCurrent: ['load/_meta/*/schema.json'], put: ['load/_meta/*/schema.json'] },
    // Re-uploads of the archived bytes: ListBucketVersions under extract/, then deletes of those versions.
    archive: { get: ['extract/'], put: ['extract/archived/'], del: ['extract/'], listVersions: ['extract/'] },
    redriveGate: {},
  };

  it.each(Object.entries(expectedByFunction))('%s reaches the bucket only as its handler needs', (fnKey, expected) => {
    // Prepare
    const roleId = roleOf('AWS::Lambda::Function', (p) => p.FunctionName === FUNCTION_SPECS[fnKey as FunctionKey].functionName, 'Role');
    const grants = grantsOf(roleId);
    const touchesBucket = Object.values(expected).some((list) => list.length > 0);
    // The handlers read, copy and delete the version the event named; a large copy is a
    // multipart upload, aborted when a part fails.
    const want = [
      ...(expected.get ?? []).flatMap((p) => ['s3:GetObject', 's3:GetObjectVersion'].map((a) => grant(a, objects(p)))),
      ...[...(expected.getCurrent ?? []), ...(expected.head ?? [])].map((p) => grant('s3:GetObject', objects(p))),
      ...(expected.put ?? []).flatMap((p) => ['s3:PutObject', 's3:AbortMultipartUpload'].map((a) => grant(a, objects(p)))),
      ...(expected.del ?? []).flatMap((p) => ['s3:DeleteObject', 's3:DeleteObjectVersion'].map((a) => grant(a, objects(p)))),
      ...(expected.delVersion ?? []).map((p) => grant('s3:DeleteObjectVersion', objects(p))),
      ...(touchesBucket ? [grant('s3:ListBucket', bucket)] : []),
      ...(expected.listVersions?.length ? [grant('s3:ListBucketVersions', bucket)] : []),
    ].sort();

    // Act
    const s3 = only(grants, ['s3']);

    // Assess
    expect(s3).toEqual(want);
    if (touchesBucket) expect(grants).toContain(grant('kms:Decrypt', key));
  });

  it('lists object versions only under extract/ (an s3:prefix condition on ListBucketVersions)', () => {
    // Prepare
    const roleId = roleOf('AWS::Lambda::Function', (p) => p.FunctionName === FUNCTION_SPECS.archive.functionName, 'Role');
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((policy) => ((policy.Properties?.Roles as { Ref: string }[] | undefined) ?? []).some((r) => r.Ref === roleId))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);

    // Act
    const listing = statements.filter((statement) => [statement.Action].flat().includes('s3:ListBucketVersions'));

    // Assess
    expect(listing.map((statement) => statement.Condition)).toEqual([{ StringLike: { 's3:prefix': ['extract/*'] } }]);
  });

  it('lets the trigger start executions of the state machine and describe them, nothing else', () => {
    // Prepare
    const grants = grantsOf(roleOf('AWS::Lambda::Function', (p) => p.FunctionName === 'etl-trigger-function', 'Role'));

    // Act
    const [describe, start, ...others] = only(grants, ['states']);

    // Assess: DescribeExecution on this state machine's executions (arn:…:execution:<its name>:*)
    expect(others).toEqual([]);
    expect(start).toMatch(/^states:StartExecution on \{"Ref":"PipelineStateMachine[0-9A-F]+"\}$/);
    expect(describe).toMatch(
      /^states:DescribeExecution on \{"Fn::Join":\["",\["arn:",.*":execution:",\{"Fn::Select":\[6,\{"Fn::Split":\[":",\{"Ref":"PipelineStateMachine[0-9A-F]+"\}\]\}\]\},":\*"\]\]\}$/,
    );
  });

  it('lets the Glue job read inputs (by version) and scripts, and write load/ and logs/glue-jobs/ only', () => {
    // Prepare
    const grants = grantsOf(roleOf('AWS::Glue::Job', () => true, 'Role'));
    const want = [
      ...['extract/', 'scripts/', 'load/', 'logs/glue-jobs/'].map((p) => grant('s3:GetObject', objects(p))),
      ...['extract/', 'scripts/'].map((p) => grant('s3:GetObjectVersion', objects(p))),
      ...['load/', 'logs/glue-jobs/'].flatMap((p) => ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'].map((a) => grant(a, objects(p)))),
      grant('s3:ListBucket', bucket),
      grant('s3:GetBucketLocation', bucket),
    ].sort();

    // Act / Assess
    expect(only(grants, ['s3'])).toEqual(want);
  });
});
