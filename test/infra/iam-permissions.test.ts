/**
 * IAM, pinned to what the code does: the state machine's role grants exactly what the ASL's Tasks
 * need (the definition is inlined, so nothing is inferred), and each role reaching the bucket
 * does so on exact prefixes only.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { Template } from 'aws-cdk-lib/assertions';
import ts from 'typescript';

import { LAMBDA_STEPS, TASK_STEP_KEYS } from '../../core/pipeline-steps';
import { FUNCTION_SPECS, type FunctionKey } from '../../infra/constructs/pipeline-functions';
import { PLACEHOLDERS, parseDefinition, placeholderText, readAslText, type TaskState, taskStates } from '../../statemachine/definition';
import { ROOT, resourcesOf, synthPipeline } from './synth-pipeline';

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
    {
      get?: string[];
      getCurrent?: string[];
      head?: string[];
      put?: string[];
      del?: string[];
      delCurrent?: string[];
      delVersion?: string[];
      listVersions?: string[];
    }
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
    // in load/_meta/, and read where earlier releases kept it. Deletes below load/ by key only.
    transformInLambda: {
      get: ['extract/'],
      getCurrent: ['load/', 'logs/glue-jobs/*/_last-success.json'],
      put: ['load/', 'logs/glue-jobs/'],
      delCurrent: ['load/'],
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
      ...(expected.delCurrent ?? []).map((p) => grant('s3:DeleteObject', objects(p))),
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

/** The fast path's code: its handler and the transform it runs (handlers/transform/). */
const FAST_PATH_SOURCES = [
  path.join(ROOT, 'handlers', 'transform-in-lambda.ts'),
  ...readdirSync(path.join(ROOT, 'handlers', 'transform'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(ROOT, 'handlers', 'transform', f)),
];

/** Every `<x>.delete(…)` call of a source file, with its argument count and line. */
function deleteCalls(file: string): { readonly line: number; readonly args: number }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf-8'), ts.ScriptTarget.Latest, true);
  const calls: { line: number; args: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'delete') {
      calls.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, args: node.arguments.length });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

describe('TransformInLambda: no version deletes', () => {
  it('deletes below load/ by key only: no call of its code passes the store a version id', () => {
    // Act: ObjectStore.delete(bucket, key, versionId?) — a third argument deletes a version
    const calls = FAST_PATH_SOURCES.flatMap((file) => deleteCalls(file).map((call) => ({ file: path.relative(ROOT, file), ...call })));

    // Assess: the deletes exist (so this test sees them), and none names a version
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => call.args !== 2)).toEqual([]);
  });

  it('so its role may not s3:DeleteObjectVersion anywhere', () => {
    // Prepare
    const roleId = roleOf('AWS::Lambda::Function', (p) => p.FunctionName === FUNCTION_SPECS.transformInLambda.functionName, 'Role');

    // Act
    const grants = [...grantsOf(roleId)];

    // Assess
    expect(grants.filter((g) => g.startsWith('s3:DeleteObjectVersion ') || g.startsWith('s3:* ') || g.startsWith('s3:Delete* '))).toEqual([]);
    expect(grants.filter((g) => g.startsWith('s3:DeleteObject '))).toHaveLength(1);
  });
});

describe('the query policy: what the Athena console and JDBC/ODBC browsers call', () => {
  let statements: (Statement & { readonly Sid: string })[];
  /** A resource as text: pseudo parameters and references as `<name>`. */
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const object = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    if (object.Ref !== undefined) return `<${object.Ref}>`;
    if (object['Fn::Join']) return object['Fn::Join'][1].map(text).join(object['Fn::Join'][0]);
    return JSON.stringify(value);
  };
  /** Every (action, resource) the policy grants, resources as text. */
  const policyGrants = (): Set<Grant> =>
    new Set(statements.flatMap((s) => [s.Action].flat().flatMap((action) => [s.Resource].flat().map((resource) => `${action} on ${text(resource)}`))));

  beforeAll(() => {
    const [policy] = Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy'));
    statements = (policy.Properties?.PolicyDocument as { Statement: (Statement & { Sid: string })[] }).Statement;
  });

  it('lists the data catalogs and the workgroups: actions with no resource type, so on "*"', () => {
    // Prepare
    const starred = statements.filter((s) => [s.Resource].flat().includes('*'));

    // Act / Assess: only these two take "*"; nothing else in the policy does
    expect(starred.map((s) => [s.Action].flat().sort())).toEqual([['athena:ListDataCatalogs', 'athena:ListWorkGroups']]);
  });

  it('browses the Glue Data Catalog through Athena on its datacatalog resource (AwsDataCatalog) only', () => {
    // Act
    const grants = policyGrants();
    const catalog = 'arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:datacatalog/AwsDataCatalog';

    // Assess
    for (const action of ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:ListDatabases', 'athena:ListTableMetadata', 'athena:GetTableMetadata']) {
      expect([...grants].filter((g) => g.startsWith(`${action} on`))).toEqual([`${action} on ${catalog}`]);
    }
  });

  it('lists the tables of its database with glue:GetTables on the catalog, the database and its tables (table/<database>/*)', () => {
    // Act
    const getTables = [...policyGrants()].filter((g) => g.startsWith('glue:GetTables on')).sort();

    // Assess: what Glue authorises GetTables on (and the Athena guide's SHOW TABLES policy), not each table's ARN
    const glue = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>';
    expect(getTables).toEqual([`${glue}:catalog`, `${glue}:database/etl_pipeline`, `${glue}:table/etl_pipeline/*`].map((r) => `glue:GetTables on ${r}`).sort());
  });
});
