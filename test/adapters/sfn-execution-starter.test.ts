/**
 * The trigger against moto's Step Functions and S3 servers on 127.0.0.1. A real S3 event starts
 * one execution of the state machine, named and filled as the pipeline expects. The same event
 * delivered again never starts a second one. While the first runs, Step Functions answers that
 * repeat with success and the running execution, dated when it started; the starter takes that
 * date for a duplicate. The same bytes uploaded again (a new version) get ExecutionAlreadyExists.
 * Such a version stays in extract/ until the first execution has archived those bytes, and after
 * that exactly its version is deleted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { CreateBucketCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';

import { parseConfigText } from '../../core/config/dataset-config';
import { executionInputSchema } from '../../core/execution-input-schema';
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { SfnExecutionStarter } from '../../handlers/adapters/execution-starter';
import { S3ObjectStore } from '../../handlers/adapters/s3-object-store';
import { moveObject } from '../../handlers/move-object';
import { createObservability } from '../../handlers/observability';
import { createTriggerHandler } from '../../handlers/trigger';
import { LOCAL_SUBSTITUTIONS } from '../../local/runtime/definition';
import { readAslText, substitute } from '../../statemachine/definition';
import { loadFixture } from '../fixtures/load-fixture';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const CONFIG = parseConfigText(readFileSync(path.join(__dirname, '..', '..', 'etl.config.json'), 'utf-8'));
/** The Put fixture's bucket and (decoded) key. */
const BUCKET = 'etl-pipeline-data-123456789012';
const KEY = 'extract/daily orders 2026-11-25.csv';
const BYTES = 'order_id,customer_email,amount\n1,a@example.com,10.00\n';
/** Short enough for the test to wait past it; the default (5 s) is for AWS's clocks. */
const CLOCK_SKEW_MS = 300;

interface PutEvent {
  Records: { eventTime: string; s3: { object: { key: string; eTag: string; versionId: string } } }[];
}

let moto: MotoServer;
let sfn: SFNClient;
let s3: S3Client;
let stateMachineArn: string;
let trigger: ReturnType<typeof createTriggerHandler>;

beforeAll(async () => {
  moto = await startMotoServer();
  sfn = new SFNClient(moto.clientConfig);
  s3 = new S3Client(moto.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  // The pipeline's own definition (moto stores it; it does not run it).
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: 'etl-pipeline',
      definition: substitute(readAslText(), LOCAL_SUBSTITUTIONS),
      roleArn: 'arn:aws:iam::123456789012:role/etl-pipeline-state-machine',
      type: 'STANDARD',
    }),
  );
  stateMachineArn = created.stateMachineArn as string;
  const executions = new SfnExecutionStarter(sfn, stateMachineArn, { clockSkewMs: CLOCK_SKEW_MS });
  trigger = createTriggerHandler({
    config: CONFIG,
    starter: executions,
    executions,
    store: new S3ObjectStore(s3),
    obs: createObservability(LAMBDA_STEPS.trigger.service),
  });
});

afterAll(async () => {
  sfn?.destroy();
  s3?.destroy();
  await moto?.stop();
});

async function executions(): Promise<{ name: string; status: string; arn: string }[]> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
  return (out.executions ?? []).map((e) => ({ name: e.name as string, status: e.status as string, arn: e.executionArn as string }));
}

/** Uploads the bytes under the key and returns the event S3 sends for the new version. */
async function upload(): Promise<PutEvent> {
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: BYTES }));
  const event = loadFixture<PutEvent>('s3-object-created-put.json');
  event.Records[0].eventTime = new Date().toISOString();
  event.Records[0].s3.object.versionId = put.VersionId as string;
  event.Records[0].s3.object.eTag = (put.ETag as string).replace(/"/g, '');
  return event;
}

/** The version ids under the key in extract/. */
async function versionsInExtract(): Promise<string[]> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: KEY }));
  return (out.Versions ?? [])
    .filter((v) => v.Key === KEY)
    .map((v) => v.VersionId as string)
    .sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the trigger on Step Functions and S3', () => {
  let first: PutEvent;
  let executionName: string;
  let again: PutEvent;

  it('starts one execution named after the upload, with the execution input the steps read', async () => {
    // Prepare
    first = await upload();

    // Act
    const result = await trigger(first);

    // Assess
    expect(result.started).toHaveLength(1);
    executionName = result.started[0].executionName;
    const listed = await executions();
    expect(listed.map((e) => [e.name, e.status])).toEqual([[executionName, 'RUNNING']]);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: listed[0].arn }));
    const input = executionInputSchema.parse(JSON.parse(described.input ?? '{}'));
    expect(input).toMatchObject({ key: KEY, versionId: first.Records[0].s3.object.versionId, dataset: 'orders', executionName });
  });

  it('takes the same event again while the execution runs for a redelivery: no second execution, nothing deleted', async () => {
    // Prepare: past the clock skew, so that the running execution's start date is clearly earlier.
    await sleep(CLOCK_SKEW_MS * 3);

    // Act
    const result = await trigger(first);

    // Assess: Step Functions answered the repeat with success and the running execution.
    expect(result.started).toEqual([]);
    expect(result.duplicates.map((d) => [d.executionName, d.disposition])).toEqual([[executionName, 'redelivery']]);
    expect((await executions()).map((e) => e.name)).toEqual([executionName]);
    expect(await versionsInExtract()).toEqual([first.Records[0].s3.object.versionId]);
  });

  it('leaves the same bytes uploaded again in extract/ while the first execution has not archived them', async () => {
    // Prepare
    again = await upload();

    // Act
    const result = await trigger(again);

    // Assess: another input under the running name is ExecutionAlreadyExists.
    expect(result.duplicates).toHaveLength(1);
    expect(result.duplicates[0]).toMatchObject({ executionName, versionId: again.Records[0].s3.object.versionId, disposition: 'left' });
    expect(result.duplicates[0].reason).toContain('has not archived these bytes');
    expect(await versionsInExtract()).toHaveLength(2);
  });

  it('once the first execution has archived its input, deletes exactly the re-uploaded version', async () => {
    // Prepare: the execution ends after its Archive step moved its version.
    const [running] = await executions();
    const input = executionInputSchema.parse(JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: running.arn }))).input ?? '{}'));
    await moveObject(new S3ObjectStore(s3), BUCKET, KEY, input.versionId, input.archivedKey);
    await sfn.send(new StopExecutionCommand({ executionArn: running.arn }));
    const third = await upload();

    // Act: the third upload, then the second one's event delivered again
    const thirdResult = await trigger(third);
    const afterThird = await versionsInExtract();
    const againResult = await trigger(again);

    // Assess
    expect(thirdResult.duplicates.map((d) => d.disposition)).toEqual(['archived']);
    expect(afterThird).toEqual([again.Records[0].s3.object.versionId]);
    expect(againResult.duplicates.map((d) => d.disposition)).toEqual(['archived']);
    expect(await versionsInExtract()).toEqual([]);
    expect(await new S3ObjectStore(s3).readText(BUCKET, input.archivedKey)).toBe(BYTES);
    expect((await executions()).map((e) => [e.name, e.status])).toEqual([[executionName, 'ABORTED']]);
  });

  it('starts a new execution for new content under the same key', async () => {
    // Prepare: other bytes uploaded under the key (a real version: the trigger heads it)
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: `${BYTES}2,b@example.com,20.00\n` }));
    const reupload = loadFixture<PutEvent>('s3-object-created-put.json');
    reupload.Records[0].s3.object.eTag = (put.ETag ?? '').replace(/"/g, '');
    reupload.Records[0].s3.object.versionId = String(put.VersionId);

    // Act
    const result = await trigger(reupload);

    // Assess
    expect(result.started).toHaveLength(1);
    expect(result.started[0].executionName).not.toBe(executionName);
    expect(await executions()).toHaveLength(2);
  });
});
