import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type EtlConfig, parseConfigText } from '../../core/config/dataset-config';
import type { ExecutionInput } from '../../core/execution-input';
import { executionInputSchema } from '../../core/execution-input-schema';
import { decodeS3EventKey, uploadId } from '../../core/naming';
import type { ExecutionLookup, ExecutionStarter, StartResult } from '../../handlers/adapters/execution-starter';
import { TriggerStartError } from '../../handlers/errors';
import { type Observability, createObservability } from '../../handlers/observability';
import { createTriggerHandler } from '../../handlers/trigger';
import { loadFixture } from '../fixtures/load-fixture';
import { MemoryObjectStore, type PutOptions } from '../helpers/memory-object-store';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const CONFIG: EtlConfig = parseConfigText(readFileSync(join(__dirname, '..', '..', 'etl.config.json'), 'utf-8'));
const BUCKET = 'etl-pipeline-data-123456789012';
const BYTES = 'order_id,customer_email,amount\n1,a@example.com,10.00\n';
/** S3's checksum of BYTES, as the S3 adapter names it (whatever the ETag of an upload of them). */
const CONTENT = 'crc64nvme:Hr8HqRxQZ2A=';
/** The checksum of other bytes. */
const OTHER_CONTENT = 'crc64nvme:u8Lw+Q0AAAA=';
/** The upload id of the Put fixture: its key and the checksum of its bytes. */
const UPLOAD = uploadId('extract/daily orders 2026-11-25.csv', CONTENT);

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

/**
 * Stores the version each record names as S3 holds it after that upload: BYTES, the record's ETag
 * and S3's checksum (CONTENT unless told), so that the trigger's HEAD finds it. A record whose
 * key does not decode is left out.
 */
function uploaded<E extends S3Notification>(store: MemoryObjectStore, event: E, stored: Omit<PutOptions, 'versionId' | 'eTag'> = {}): E {
  for (const record of event.Records) {
    let key: string;
    try {
      key = decodeS3EventKey(record.s3.object.key);
    } catch {
      continue;
    }
    store.put(BUCKET, key, BYTES, { versionId: record.s3.object.versionId, eTag: record.s3.object.eTag, contentId: CONTENT, ...stored });
  }
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
    const { handler, starter, store } = setup();
    const event = uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json'));

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
      version: CONTENT,
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

  it('sets forceGlueJob only when told (the local --engine): the same execution name either way', async () => {
    // Prepare: the deployed trigger's deps (no forceGlueJob), and the local runtime's with --engine
    const deployed = setup();
    const local = new FakeStarter();
    const forced = createTriggerHandler({ config: CONFIG, starter: local, executions: local, store: deployed.store, obs: deployed.obs, forceGlueJob: true });
    const event = uploaded(deployed.store, loadFixture<S3Notification>('s3-object-created-put.json'));

    // Act
    await deployed.handler(event);
    await forced(event);

    // Assess
    expect(deployed.starter.calls[0].input).not.toHaveProperty('forceGlueJob');
    expect(local.calls[0].input).toMatchObject({ forceGlueJob: true });
    expect(local.calls[0].name).toBe(deployed.starter.calls[0].name);
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
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/orders-1.csv', 'extract/2026/11/daily-orders-02.csv', 'extract/orders-3.csv'));

    // Act
    const result = await handler(event);

    // Assess
    expect(result.started.map((s) => s.key)).toEqual(['extract/orders-1.csv', 'extract/2026/11/daily-orders-02.csv', 'extract/orders-3.csv']);
    expect(new Set(starter.calls.map((c) => c.name)).size).toBe(3);
  });

  it('skips keys under extract/archived/ and extract/rejected/ and outside extract/', async () => {
    // Prepare
    const { handler, starter, store } = setup();
    const event = uploaded(
      store,
      putEvent(
        'extract/archived/2026-11-25/orders.csv',
        'extract/rejected/2026-11-25/orders.csv',
        'load/orders/part-0.parquet',
        'extract/2026/',
        'extract/orders.csv',
      ),
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
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/orders.csv'));
    event.Records[0].eventName = 'ObjectRemoved:Delete';

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toEqual([{ key: 'extract/orders.csv', reason: 'event ObjectRemoved:Delete' }]);
    expect(starter.calls).toEqual([]);
  });

  it('decodes URL-encoded keys: + as space, %2B as +, %C3%A9 as é', async () => {
    // Prepare
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/my+orders%2B1+caf%C3%A9.csv'));

    // Act
    const result = await handler(event);

    // Assess
    expect(result.started.map((s) => s.key)).toEqual(['extract/my orders+1 café.csv']);
    expect(starter.calls[0].input.key).toBe('extract/my orders+1 café.csv');
    expect(starter.calls[0].name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
  });

  it('starts exactly one execution when the same event is delivered 10 times', async () => {
    // Prepare
    const { handler, starter, store, obs } = setup();
    const addMetric = jest.spyOn(obs.metrics, 'addMetric');
    uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json'));

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
    const { handler, starter, store } = setup();
    const first = uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json'));
    const second = loadFixture<S3Notification>('s3-object-created-put.json');
    second.Records[0].s3.object.versionId = 'a-newer-version';
    second.Records[0].s3.object.eTag = 'ffffffffffffffffffffffffffffffff';
    uploaded(store, second, { contentId: OTHER_CONTENT });

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
    expect(b.version).toBe(OTHER_CONTENT);
  });

  it('takes the same bytes uploaded again (a new version, the same checksum) as a duplicate', async () => {
    // Prepare
    const { handler, store } = setup();
    const first = uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json'));
    const again = loadFixture<S3Notification>('s3-object-created-put.json');
    again.Records[0].s3.object.versionId = 'a-newer-version';
    uploaded(store, again);

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
    await handler(uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json')));
    uploaded(store, again);
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
    await handler(uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json')));
    const reuploads = ['second-version', 'third-version'].map((versionId) => {
      const event = loadFixture<S3Notification>('s3-object-created-put.json');
      event.Records[0].s3.object.versionId = versionId;
      return uploaded(store, event);
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
    const store = new MemoryObjectStore();
    const handler = createTriggerHandler({
      config: { datasets: [{ name: 'orders', match: 'extract/**', reuploads: 'replace' }] },
      starter,
      executions: starter,
      store,
      obs: createObservability('test'),
    });
    const first = uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json'));
    const second = loadFixture<S3Notification>('s3-object-created-put.json');
    second.Records[0].s3.object.versionId = 'the-correction';
    second.Records[0].s3.object.eTag = 'ffffffffffffffffffffffffffffffff';
    uploaded(store, second, { contentId: OTHER_CONTENT });

    // Act
    await handler(first);
    await handler(second);

    // Assess
    const [a, b] = starter.calls.map((c) => c.input);
    expect(b.executionName).not.toBe(a.executionName);
    expect(b.loadId).toBe(a.loadId);
    expect(b.archivedKey).not.toBe(a.archivedKey);
  });

  it('names the null version when the bucket is not versioned, and the upload by the checksum of the object', async () => {
    // Prepare
    const { handler, starter, store } = setup();
    const event = loadFixture<S3Notification>('s3-object-created-put.json');
    delete event.Records[0].s3.object.versionId;
    uploaded(store, event);

    // Act
    await handler(event);

    // Assess
    expect(starter.calls[0].input).toMatchObject({ version: CONTENT, versionId: 'null' });
    expect(store.heads).toEqual([{ bucket: BUCKET, key: 'extract/daily orders 2026-11-25.csv', versionId: undefined }]);
  });

  it('still starts an execution, with dataset null, for a key no dataset matches', async () => {
    // Prepare
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/customers.csv'));

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
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/../secrets/orders.csv', 'extract/orders.csv'));

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
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/caf%E9.csv'));

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toEqual([{ key: 'extract/caf%E9.csv', reason: 'InvalidKeyError: object key is not valid URL encoding: extract/caf%E9.csv' }]);
    expect(starter.calls).toEqual([]);
  });

  it('starts the other records, then throws TriggerStartError, when one start fails', async () => {
    // Prepare
    const starter = new FakeStarter((input) => input.key === 'extract/orders-2.csv');
    const { handler, store } = setup(starter);
    const event = uploaded(store, putEvent('extract/orders-1.csv', 'extract/orders-2.csv', 'extract/orders-3.csv'));

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
    const { handler, store } = setup(starter);
    const event = uploaded(store, putEvent('extract/orders-1.csv', 'extract/orders-2.csv', 'extract/orders-3.csv'));
    await expect(handler(event)).rejects.toBeInstanceOf(TriggerStartError);
    failing = false;

    // Act
    const retry = await handler(event);

    // Assess
    expect(retry.started.map((s) => s.key)).toEqual(['extract/orders-2.csv']);
    expect(retry.duplicates.map((s) => s.key)).toEqual(['extract/orders-1.csv', 'extract/orders-3.csv']);
  });
});

describe('trigger handler: what names the upload', () => {
  /** The Put fixture's upload again, as S3 sends it: a new version and, under SSE-KMS, a new ETag. */
  function reupload(versionId: string, eTag: string): S3Notification {
    const event = loadFixture<S3Notification>('s3-object-created-put.json');
    event.Records[0].s3.object.versionId = versionId;
    event.Records[0].s3.object.eTag = eTag;
    event.Records[0].eventTime = '2026-11-25T10:00:00.000Z';
    return event;
  }

  it('heads the version the event names and names the upload by its checksum, not by the ETag', async () => {
    // Prepare
    const { handler, starter, store } = setup();
    const event = uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json'));

    // Act
    await handler(event);

    // Assess
    expect(store.heads).toEqual([{ bucket: BUCKET, key: 'extract/daily orders 2026-11-25.csv', versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko' }]);
    expect(starter.calls[0].input).toMatchObject({ version: CONTENT, uploadId: uploadId('extract/daily orders 2026-11-25.csv', CONTENT) });
  });

  it('takes the same bytes uploaded again with another ETag (SSE-KMS, or multipart with another part size) for a duplicate', async () => {
    // Prepare: the same checksum, an ETag of its own at each upload
    const { handler, store } = setup();
    const first = uploaded(store, reupload('kms-version-1', '5e1d0c9b2a8f47e3b6c1d2e3f4a5b6c7'));
    const again = uploaded(store, reupload('kms-version-2', '9f8e7d6c5b4a39281706f5e4d3c2b1a0'));
    const multipart = uploaded(store, reupload('kms-version-3', '0aa1bb2cc3dd4ee5ff60718293a4b5c6-3'));

    // Act
    const one = await handler(first);
    const two = await handler(again);
    const three = await handler(multipart);

    // Assess
    expect(one.started).toHaveLength(1);
    expect(two.started).toEqual([]);
    expect(three.started).toEqual([]);
    expect([...two.duplicates, ...three.duplicates].map((d) => [d.versionId, d.executionName])).toEqual([
      ['kms-version-2', one.started[0].executionName],
      ['kms-version-3', one.started[0].executionName],
    ]);
  });

  it("without a checksum of the object, names the upload by the event's ETag and warns that re-uploads may then load again", async () => {
    // Prepare: an object stored before S3 kept a checksum of every object
    const { handler, starter, store, obs } = setup();
    const warn = jest.spyOn(obs.logger, 'warn');
    const first = uploaded(store, reupload('old-version-1', '0123456789abcdef0123456789abcdef'), { contentId: null });
    const sameETag = uploaded(store, reupload('old-version-2', '0123456789abcdef0123456789abcdef'), { contentId: null });
    const otherETag = uploaded(store, reupload('old-version-3', '9f8e7d6c5b4a39281706f5e4d3c2b1a0'), { contentId: null });

    // Act
    const one = await handler(first);
    const two = await handler(sameETag);
    const three = await handler(otherETag);

    // Assess: the same ETag is still a duplicate; another is taken for other bytes
    expect(starter.calls[0].input).toMatchObject({
      version: '0123456789abcdef0123456789abcdef',
      uploadId: uploadId('extract/daily orders 2026-11-25.csv', '0123456789abcdef0123456789abcdef'),
    });
    expect(one.started).toHaveLength(1);
    expect(two.duplicates.map((d) => d.executionName)).toEqual([one.started[0].executionName]);
    expect(three.started).toHaveLength(1);
    const warnings = warn.mock.calls.filter(([message]) => typeof message === 'string' && message.includes('no checksum'));
    expect(warnings).toHaveLength(3);
    expect(warnings[0][0]).toContain('SSE-KMS');
    expect(warnings[0][1]).toEqual({ key: 'extract/daily orders 2026-11-25.csv', versionId: 'old-version-1', version: '0123456789abcdef0123456789abcdef' });
  });

  it('does not warn when the bucket gives a checksum', async () => {
    // Prepare
    const { handler, store, obs } = setup();
    const warn = jest.spyOn(obs.logger, 'warn');

    // Act
    await handler(uploaded(store, loadFixture<S3Notification>('s3-object-created-put.json')));

    // Assess
    expect(warn).not.toHaveBeenCalled();
  });

  it('skips, with a named reason, an event whose version is no longer in the bucket, and goes on', async () => {
    // Prepare: orders-1's version deleted before its event was handled
    const { handler, starter, store, obs } = setup();
    const addMetric = jest.spyOn(obs.metrics, 'addMetric');
    const event = uploaded(store, putEvent('extract/orders-1.csv', 'extract/orders-2.csv'));
    await store.delete(BUCKET, 'extract/orders-1.csv', 'version-0');

    // Act
    const result = await handler(event);

    // Assess
    expect(result.skipped).toEqual([{ key: 'extract/orders-1.csv', reason: 'version version-0 is no longer in the bucket (deleted since the event)' }]);
    expect(result.started.map((s) => s.key)).toEqual(['extract/orders-2.csv']);
    expect(starter.calls.map((c) => c.input.key)).toEqual(['extract/orders-2.csv']);
    expect(addMetric.mock.calls.filter(([name]) => name === 'ObjectsSkipped')).toHaveLength(1);
  });

  it('throws TriggerStartError when the HEAD fails (a Lambda retry looks again), starting the other records', async () => {
    // Prepare
    const { handler, starter, store } = setup();
    const event = uploaded(store, putEvent('extract/orders-1.csv', 'extract/orders-2.csv'));
    const head = store.head.bind(store);
    jest.spyOn(store, 'head').mockImplementation(async (bucket, key, versionId) => {
      if (key === 'extract/orders-1.csv') throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      return head(bucket, key, versionId);
    });

    // Act
    const act = handler(event);

    // Assess
    await expect(act).rejects.toThrow('1 of 2 records not started: extract/orders-1.csv: AccessDenied: Access Denied');
    expect(starter.calls.map((c) => c.input.key)).toEqual(['extract/orders-2.csv']);
  });
});
