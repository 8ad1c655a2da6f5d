import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type EtlConfig, parseConfigText } from '../../core/config/dataset-config';
import type { ExecutionInput } from '../../core/execution-input';
import { executionInputSchema } from '../../core/execution-input-schema';
import { uploadId } from '../../core/naming';
import type { ExecutionLookup, ExecutionStarter, StartResult } from '../../handlers/adapters/execution-starter';
import { TriggerStartError } from '../../handlers/errors';
import { type Observability, createObservability } from '../../handlers/observability';
import { createTriggerHandler } from '../../handlers/trigger';
import { loadFixture } from '../fixtures/load-fixture';
import { MemoryObjectStore } from '../helpers/memory-object-store';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const CONFIG: EtlConfig = parseConfigText(readFileSync(join(__dirname, '..', '..', 'etl.config.json'), 'utf-8'));
/** The upload id of the Put fixture: its key and ETag. */
const UPLOAD = uploadId('extract/daily orders 2026-11-25.csv', '0123456789abcdef0123456789abcdef');

interface S3Notification {
  Records: { eventName: string; eventTime: string; s3: { object: { key: string; versionId?: string; eTag?: string; sequencer?: string; size?: number } } }[];
}

/** Records started names; a name seen before is a duplicate, as Step Functions answers. */
class FakeStarter implements ExecutionStarter, ExecutionLookup {
  readonly calls: { name: string; input: ExecutionInput }[] = [];
  /** The input each execution was started with. */
  private readonly started = new Map<string, ExecutionInput>();

  constructor(private readonly failFor: (input: ExecutionInput) => boolean = () => false) {}

  async start(name: string, input: object): Promise<StartResult> {
    const parsed = executionInputSchema.parse(input);
    this.calls.push({ name, input: parsed });
    if (this.failFor(parsed)) throw new Error('Rate exceeded');
    if (this.started.has(name)) return 'duplicate';
    this.started.set(name, parsed);
    return 'started';
  }

  async inputOf(name: string): Promise<unknown> {
    return this.started.get(name);
  }
}

/** The Put notification fixture with one record per key (each a new object version). */
function putEvent(...keys: string[]): S3Notification {
  const event = loadFixture<S3Notification>('s3-object-created-put.json');
  const template = event.Records[0];
  event.Records = keys.map((key, index) => {
    const record = JSON.parse(JSON.stringify(template)) as typeof template;
    record.s3.object.key = key;
    record.s3.object.versionId = `version-${index}`;
    record.s3.object.eTag = `${index}`.padStart(32, 'e');
    return record;
  });
  return event;
}

function setup(starter = new FakeStarter()): {
  handler: ReturnType<typeof createTriggerHandler>;
  starter: FakeStarter;
  store: MemoryObjectStore;
  obs: Observability;
} {
  const obs = createObservability('test');
  const store = new MemoryObjectStore();
  return { handler: createTriggerHandler({ config: CONFIG, starter, executions: starter, store, obs }), starter, store, obs };
}

describe('trigger handler with the S3 fixtures', () => {
  it('starts one execution for the Put notification fixture, decoding + as a space', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = loadFixture('s3-object-created-put.json');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.started).toHaveLength(1);
    expect(result.duplicates).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.started[0].key).toBe('extract/daily orders 2026-11-25.csv');
    expect(starter.calls).toHaveLength(1);
    const { name, input } = starter.calls[0];
    expect(name).toBe(input.executionName);
    expect(name).toBe(result.started[0].executionName);
    expect(input).toMatchObject({
      bucket: 'etl-pipeline-data-123456789012',
      key: 'extract/daily orders 2026-11-25.csv',
      sizeBytes: 4718,
      version: '0123456789abcdef0123456789abcdef',
      versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
      eventTime: '2026-11-25T09:30:12.345Z',
      dataset: 'orders',
      ingestionDate: '2026-11-25',
      uploadId: UPLOAD,
      loadId: UPLOAD,
      archivedKey: `extract/archived/2026-11-25/daily orders 2026-11-25.${UPLOAD.slice(0, 8)}.csv`,
      rejectedKey: `extract/rejected/2026-11-25/daily orders 2026-11-25.${UPLOAD.slice(0, 8)}.csv`,
      outputPrefix: 'load/orders/',
    });
    expect(name).toMatch(/^orders-daily-orders-2026-11-25-[0-9a-f]{24}$/);
  });

  it('ignores the s3:TestEvent', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = loadFixture('s3-test-event.json');

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toEqual({ started: [], duplicates: [], skipped: [] });
    expect(starter.calls).toEqual([]);
  });

  it('rejects an event that is neither a notification nor the test event', async () => {
    // Prepare
    const { handler, starter } = setup();

    // Act
    const act = handler({ detail: { bucket: { name: 'b' } } });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(starter.calls).toEqual([]);
  });
});

describe('trigger handler over several records', () => {
  it('processes every record of a multi-record event', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent('extract/orders-1.csv', 'extract/2026/11/daily-orders-02.csv', 'extract/orders-3.csv');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.started.map((s) => s.key)).toEqual([
      'extract/orders-1.csv',
      'extract/2026/11/daily-orders-02.csv',
      'extract/orders-3.csv',
    ]);
    expect(new Set(starter.calls.map((c) => c.name)).size).toBe(3);
  });

  it('skips keys under extract/archived/ and extract/rejected/ and outside extract/', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent(
      'extract/archived/2026-11-25/orders.csv',
      'extract/rejected/2026-11-25/orders.csv',
      'load/orders/part-0.parquet',
      'extract/2026/',
      'extract/orders.csv',
    );

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toEqual([
      { key: 'extract/archived/2026-11-25/orders.csv', reason: 'already archived (extract/archived/)' },
      { key: 'extract/rejected/2026-11-25/orders.csv', reason: 'already rejected (extract/rejected/)' },
      { key: 'load/orders/part-0.parquet', reason: 'outside extract/' },
      { key: 'extract/2026/', reason: 'folder marker' },
    ]);
    expect(result.started.map((s) => s.key)).toEqual(['extract/orders.csv']);
    expect(starter.calls.map((c) => c.input.key)).toEqual(['extract/orders.csv']);
  });

  it('skips an event that is not ObjectCreated', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent('extract/orders.csv');
    event.Records[0].eventName = 'ObjectRemoved:Delete';

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toEqual([{ key: 'extract/orders.csv', reason: 'event ObjectRemoved:Delete' }]);
    expect(starter.calls).toEqual([]);
  });

  it('decodes URL-encoded keys: + as space, %2B as +, %C3%A9 as é', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent('extract/my+orders%2B1+caf%C3%A9.csv');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.started.map((s) => s.key)).toEqual(['extract/my orders+1 café.csv']);
    expect(starter.calls[0].input.key).toBe('extract/my orders+1 café.csv');
    expect(starter.calls[0].name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
  });

  it('starts exactly one execution when the same event is delivered 10 times', async () => {
    // Prepare
    const { handler, starter, obs } = setup();
    const addMetric = jest.spyOn(obs.metrics, 'addMetric');

    // Act
    const results = [];
    for (let delivery = 0; delivery < 10; delivery += 1) {
      results.push(await handler(loadFixture('s3-object-created-put.json')));
    }

    // Assess
    expect(results.flatMap((r) => r.started)).toHaveLength(1);
    expect(results.flatMap((r) => r.duplicates.map((d) => d.disposition))).toEqual(Array(9).fill('redelivery'));
    expect(new Set(starter.calls.map((c) => c.name)).size).toBe(1);
    expect(addMetric.mock.calls.filter(([name]) => name === 'ExecutionsStarted')).toHaveLength(1);
    expect(addMetric.mock.calls.filter(([name]) => name === 'DuplicateEvents')).toHaveLength(9);
  });

  it('starts a new execution, a new load, for other bytes under the same key', async () => {
    // Prepare
    const { handler, starter } = setup();
    const first = loadFixture<S3Notification>('s3-object-created-put.json');
    const second = loadFixture<S3Notification>('s3-object-created-put.json');
    second.Records[0].s3.object.versionId = 'a-newer-version';
    second.Records[0].s3.object.eTag = 'ffffffffffffffffffffffffffffffff';

    // Act
    const one = await handler(first);
    const two = await handler(second);

    // Assess
    expect(one.started).toHaveLength(1);
    expect(two.started).toHaveLength(1);
    expect(two.started[0].executionName).not.toBe(one.started[0].executionName);
    const [a, b] = starter.calls.map((c) => c.input);
    expect(b.loadId).not.toBe(a.loadId);
    expect(b.archivedKey).not.toBe(a.archivedKey);
    expect(b.versionId).toBe('a-newer-version');
  });

  it('takes the same bytes uploaded again (a new version, the same ETag) as a duplicate', async () => {
    // Prepare
    const { handler } = setup();
    const first = loadFixture<S3Notification>('s3-object-created-put.json');
    const again = loadFixture<S3Notification>('s3-object-created-put.json');
    again.Records[0].s3.object.versionId = 'a-newer-version';

    // Act
    const one = await handler(first);
    const two = await handler(again);

    // Assess
    expect(one.started).toHaveLength(1);
    expect(two.started).toEqual([]);
    expect(two.duplicates.map((d) => d.executionName)).toEqual([one.started[0].executionName]);
  });

  it('deletes the re-uploaded version from extract/ once the first execution has archived the bytes, and counts it', async () => {
    // Prepare
    const { handler, starter, store, obs } = setup();
    const addMetric = jest.spyOn(obs.metrics, 'addMetric');
    const again = loadFixture<S3Notification>('s3-object-created-put.json');
    again.Records[0].s3.object.versionId = 'a-newer-version';
    again.Records[0].eventTime = '2026-11-25T11:00:00.000Z';
    await handler(loadFixture('s3-object-created-put.json'));
    const first = starter.calls[0].input;
    store.put(first.bucket, first.archivedKey, 'the archived bytes');

    // Act
    const result = await handler(again);

    // Assess
    expect(result.duplicates).toEqual([
      {
        bucket: first.bucket,
        key: first.key,
        versionId: 'a-newer-version',
        eventTime: '2026-11-25T11:00:00.000Z',
        executionName: first.executionName,
        disposition: 'archived',
        reason: `the same bytes are archived at ${first.archivedKey}; this version was removed from extract/`,
      },
    ]);
    expect(store.deletes).toEqual([{ bucket: first.bucket, key: first.key, versionId: 'a-newer-version' }]);
    expect(addMetric.mock.calls.filter(([name]) => name === 'DuplicateEvents')).toHaveLength(1);
  });

  it('leaves re-uploads of a running execution in extract/, counting each one', async () => {
    // Prepare
    const { handler, store, obs } = setup();
    const addMetric = jest.spyOn(obs.metrics, 'addMetric');
    await handler(loadFixture('s3-object-created-put.json'));
    const reuploads = ['second-version', 'third-version'].map((versionId) => {
      const event = loadFixture<S3Notification>('s3-object-created-put.json');
      event.Records[0].s3.object.versionId = versionId;
      return event;
    });

    // Act
    const results = [];
    for (const event of reuploads) results.push(await handler(event));

    // Assess
    expect(results.flatMap((r) => r.duplicates.map((d) => [d.versionId, d.disposition]))).toEqual([
      ['second-version', 'left'],
      ['third-version', 'left'],
    ]);
    expect(results[0].duplicates[0].reason).toContain('has not archived these bytes');
    expect(store.deletes).toEqual([]);
    expect(addMetric.mock.calls.filter(([name]) => name === 'DuplicateEvents')).toHaveLength(2);
  });

  it('with reuploads "replace", other bytes under the key load under the key\'s load id (a correction)', async () => {
    // Prepare
    const starter = new FakeStarter();
    const handler = createTriggerHandler({
      config: { datasets: [{ name: 'orders', match: 'extract/**', reuploads: 'replace' }] },
      starter,
      executions: starter,
      store: new MemoryObjectStore(),
      obs: createObservability('test'),
    });
    const first = loadFixture<S3Notification>('s3-object-created-put.json');
    const second = loadFixture<S3Notification>('s3-object-created-put.json');
    second.Records[0].s3.object.eTag = 'ffffffffffffffffffffffffffffffff';

    // Act
    await handler(first);
    await handler(second);

    // Assess
    const [a, b] = starter.calls.map((c) => c.input);
    expect(b.executionName).not.toBe(a.executionName);
    expect(b.loadId).toBe(a.loadId);
    expect(b.archivedKey).not.toBe(a.archivedKey);
  });

  it('names the null version when the bucket is not versioned, and the upload by its ETag', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = loadFixture<S3Notification>('s3-object-created-put.json');
    delete event.Records[0].s3.object.versionId;

    // Act
    await handler(event);

    // Assess
    expect(starter.calls[0].input).toMatchObject({ version: '0123456789abcdef0123456789abcdef', versionId: 'null' });
  });

  it('still starts an execution, with dataset null, for a key no dataset matches', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent('extract/customers.csv');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.started.map((s) => s.key)).toEqual(['extract/customers.csv']);
    expect(starter.calls[0].input.dataset).toBeNull();
    expect(starter.calls[0].input.outputPrefix).toBe('load/unmatched/');
    expect(starter.calls[0].name.startsWith('unmatched-customers-')).toBe(true);
  });

  it('skips a key with a .. segment, naming InvalidKeyError, and goes on', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent('extract/../secrets/orders.csv', 'extract/orders.csv');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0].key).toBe('extract/../secrets/orders.csv');
    expect(result.skipped[0].reason).toContain('InvalidKeyError');
    expect(result.started.map((s) => s.key)).toEqual(['extract/orders.csv']);
    expect(starter.calls).toHaveLength(1);
  });

  it('skips a key that is not valid URL encoding, naming InvalidKeyError', async () => {
    // Prepare
    const { handler, starter } = setup();
    const event = putEvent('extract/caf%E9.csv');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toEqual([
      { key: 'extract/caf%E9.csv', reason: 'InvalidKeyError: object key is not valid URL encoding: extract/caf%E9.csv' },
    ]);
    expect(starter.calls).toEqual([]);
  });

  it('starts the other records, then throws TriggerStartError, when one start fails', async () => {
    // Prepare
    const starter = new FakeStarter((input) => input.key === 'extract/orders-2.csv');
    const { handler } = setup(starter);
    const event = putEvent('extract/orders-1.csv', 'extract/orders-2.csv', 'extract/orders-3.csv');

    // Act
    const act = handler(event);

    // Assess
    await expect(act).rejects.toBeInstanceOf(TriggerStartError);
    await expect(act).rejects.toThrow('1 of 3 records not started: extract/orders-2.csv: Error: Rate exceeded');
    expect(starter.calls.map((c) => c.input.key)).toEqual(['extract/orders-1.csv', 'extract/orders-2.csv', 'extract/orders-3.csv']);
  });

  it('lets a Lambda retry start the failed record while the others come back as duplicates', async () => {
    // Prepare
    let failing = true;
    const starter = new FakeStarter((input) => failing && input.key === 'extract/orders-2.csv');
    const { handler } = setup(starter);
    const event = putEvent('extract/orders-1.csv', 'extract/orders-2.csv', 'extract/orders-3.csv');
    await expect(handler(event)).rejects.toBeInstanceOf(TriggerStartError);
    failing = false;

    // Act
    const retry = await handler(event);

    // Assess
    expect(retry.started.map((s) => s.key)).toEqual(['extract/orders-2.csv']);
    expect(retry.duplicates.map((s) => s.key)).toEqual(['extract/orders-1.csv', 'extract/orders-3.csv']);
  });
});
