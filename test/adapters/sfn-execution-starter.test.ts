/**
 * The trigger against moto's Step Functions server on 127.0.0.1: a real S3 event starts one
 * execution of the state machine, named and filled as the pipeline expects; the same event
 * delivered again never starts a second one — Step Functions answers a repeat of a running
 * execution (same name and input) with that execution, and a repeat after it ended with
 * ExecutionAlreadyExists, which the trigger counts as a duplicate.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';

import { parseConfigText } from '../../core/config/dataset-config';
import { executionInputSchema } from '../../core/execution-input-schema';
import { SfnExecutionStarter } from '../../handlers/adapters/execution-starter';
import { createObservability } from '../../handlers/observability';
import { createTriggerHandler } from '../../handlers/trigger';
import { readAsl } from '../../infra/asl-definition';
import { LOCAL_SUBSTITUTIONS, substitute } from '../../local/runtime/definition';
import { loadFixture } from '../fixtures/load-fixture';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const CONFIG = parseConfigText(readFileSync(path.join(__dirname, '..', '..', 'etl.config.json'), 'utf-8'));

interface PutEvent {
  Records: { s3: { object: { key: string; eTag: string; versionId: string } } }[];
}

let moto: MotoServer;
let sfn: SFNClient;
let stateMachineArn: string;
let trigger: ReturnType<typeof createTriggerHandler>;

beforeAll(async () => {
  moto = await startMotoServer();
  sfn = new SFNClient(moto.clientConfig);
  // The pipeline's own definition (moto stores it; it does not run it).
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: 'etl-pipeline',
      definition: substitute(readAsl(), LOCAL_SUBSTITUTIONS),
      roleArn: 'arn:aws:iam::123456789012:role/etl-pipeline-state-machine',
      type: 'STANDARD',
    }),
  );
  stateMachineArn = created.stateMachineArn as string;
  trigger = createTriggerHandler({ config: CONFIG, starter: new SfnExecutionStarter(sfn, stateMachineArn), obs: createObservability('etl-trigger') });
});

afterAll(async () => {
  sfn?.destroy();
  await moto?.stop();
});

async function executions(): Promise<{ name: string; status: string; arn: string }[]> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
  return (out.executions ?? []).map((e) => ({ name: e.name as string, status: e.status as string, arn: e.executionArn as string }));
}

describe('the trigger on Step Functions', () => {
  const event = loadFixture<PutEvent>('s3-object-created-put.json');
  let executionName: string;

  it('starts one execution named after the upload, with the execution input the steps read', async () => {
    // Act
    const result = await trigger(event);

    // Assess
    expect(result.started).toHaveLength(1);
    executionName = result.started[0].executionName;
    const listed = await executions();
    expect(listed.map((e) => [e.name, e.status])).toEqual([[executionName, 'RUNNING']]);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: listed[0].arn }));
    const input = executionInputSchema.parse(JSON.parse(described.input ?? '{}'));
    expect(input).toMatchObject({ key: 'extract/daily orders 2026-11-25.csv', versionId: event.Records[0].s3.object.versionId, dataset: 'orders', executionName });
  });

  it('starts nothing more when the same event comes again while the execution runs', async () => {
    // Act
    await trigger(loadFixture('s3-object-created-put.json'));

    // Assess
    expect((await executions()).map((e) => e.name)).toEqual([executionName]);
  });

  it('answers a repeat after the execution ended with ExecutionAlreadyExists: a duplicate, not an error', async () => {
    // Prepare
    const [running] = await executions();
    await sfn.send(new StopExecutionCommand({ executionArn: running.arn }));

    // Act
    const result = await trigger(loadFixture('s3-object-created-put.json'));

    // Assess
    expect(result.duplicates).toEqual([{ key: 'extract/daily orders 2026-11-25.csv', executionName }]);
    expect(result.started).toEqual([]);
    expect((await executions()).map((e) => [e.name, e.status])).toEqual([[executionName, 'ABORTED']]);
  });

  it('starts a new execution for new content under the same key', async () => {
    // Prepare
    const reupload = loadFixture<PutEvent>('s3-object-created-put.json');
    reupload.Records[0].s3.object.eTag = 'fedcba9876543210fedcba9876543210';
    reupload.Records[0].s3.object.versionId = 'Qm9vdGgudmVyc2lvbi4yLmV4YW1wbGU';

    // Act
    const result = await trigger(reupload);

    // Assess
    expect(result.started).toHaveLength(1);
    expect(result.started[0].executionName).not.toBe(executionName);
    expect(await executions()).toHaveLength(2);
  });
});
