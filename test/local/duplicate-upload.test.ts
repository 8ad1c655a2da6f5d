/**
 * The same bytes uploaded again under one key, on the local runtime: one execution. The second
 * version leaves extract/ once the first is archived (by the trigger when the archive exists, by
 * the first execution's Archive step when it does not yet), and the archive holds the input once.
 * A version with other bytes stays for its own execution. Below, the folder bucket's versions.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { executionInputSchema } from '../../core/execution-input-schema';
import { FolderBucket, LOCAL_BUCKET } from '../../local/runtime/folder-bucket';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { ordersLine } from '../corpus/cases';
import { notifications, sample, tempRoot } from '../helpers/local-root';

const KEY = 'extract/orders-clean.csv';

/**
 * Holds every execution of the pipeline at the start of its Archive step (Validate and the
 * transform done) until released: `at(name)` resolves once that execution is held there.
 */
function holdAtArchive(pipeline: LocalPipeline): { at: (name: string) => Promise<void>; release: (name: string) => void } {
  const gates = new Map<string, { held: Promise<void>; hold: () => void; released: Promise<void>; release: () => void }>();
  const gate = (name: string) => {
    let found = gates.get(name);
    if (!found) {
      let hold!: () => void;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (hold = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      found = { held, hold, released, release };
      gates.set(name, found);
    }
    return found;
  };
  const handlersOf = pipeline.taskHandlers.bind(pipeline);
  pipeline.taskHandlers = (name) => {
    const handlers = handlersOf(name);
    const archive = handlers.Archive;
    handlers.Archive = async (input) => {
      gate(name).hold();
      await gate(name).released;
      return archive(input);
    };
    return handlers;
  };
  return { at: (name) => gate(name).held, release: (name) => gate(name).release() };
}

/** The kept copies of versions under a local root (the bytes executions still read). */
function keptVersions(root: string): string[] {
  const dir = path.join(root, 'versions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('bytes'));
}

/** The files below a folder of the bucket, as keys. */
function keysUnder(pipeline: LocalPipeline, prefix: string): string[] {
  const dir = pipeline.bucket.pathOf(prefix);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => pipeline.bucket.keyOf(path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('the same bytes uploaded twice under one key', () => {
  let root: string;
  let pipeline: LocalPipeline;

  beforeEach(() => {
    root = tempRoot();
    pipeline = new LocalPipeline({ root });
  });

  afterEach(() => pipeline.close());

  it('after the first is archived: one execution, the second version deleted from extract/, the input archived once', async () => {
    // Prepare: the first upload, processed and archived
    pipeline.put(sample('orders-clean.csv'), KEY);
    const first = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));
    const record = await pipeline.waitFor(first.started[0].executionName);
    const input = executionInputSchema.parse(record.input);

    // Act: the same bytes again, a second version of the key
    pipeline.put(sample('orders-clean.csv'), KEY);
    const again = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));

    // Assess
    expect(record.status).toBe('SUCCEEDED');
    expect(again.started).toEqual([]);
    expect(again.duplicates).toMatchObject([{ key: KEY, executionName: input.executionName, disposition: 'archived' }]);
    expect(keysUnder(pipeline, 'extract')).toEqual([input.archivedKey]);
    expect(readFileSync(pipeline.bucket.pathOf(input.archivedKey))).toEqual(readFileSync(sample('orders-clean.csv')));
    expect(readdirSync(path.join(root, 'versions'), { recursive: true }).filter((f) => String(f).endsWith('bytes'))).toEqual([]);
    expect(pipeline.store.list()).toHaveLength(1);
    expect(notifications(root)).toHaveLength(1);
  });

  it('while the first still runs: left in extract/ at once, gone once the first is archived', async () => {
    // Prepare: the first execution held at its Archive step
    const hold = holdAtArchive(pipeline);
    pipeline.put(sample('orders-clean.csv'), KEY);
    const first = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));
    const name = first.started[0].executionName;
    await hold.at(name);

    // Act: the same bytes dropped again while it runs, then the run goes on
    pipeline.put(sample('orders-clean.csv'), KEY);
    const again = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));
    hold.release(name);
    const record = await pipeline.waitFor(name);

    // Assess
    expect(again.duplicates).toMatchObject([{ executionName: name, disposition: 'left' }]);
    expect(again.duplicates[0].reason).toContain('has not archived these bytes');
    expect(record.status).toBe('SUCCEEDED');
    const input = executionInputSchema.parse(record.input);
    expect(keysUnder(pipeline, 'extract')).toEqual([input.archivedKey]);
    expect(readFileSync(pipeline.bucket.pathOf(input.archivedKey))).toEqual(readFileSync(sample('orders-clean.csv')));
    expect(keptVersions(root)).toEqual([]);
    expect(pipeline.store.list()).toHaveLength(1);
    expect(notifications(root)).toHaveLength(1);
  });

  it('while the first still runs, after other bytes under the key: the re-upload goes with the first archive, the other bytes stay for their own run', async () => {
    // Prepare: bytes A held at Archive, then bytes B (a new upload, held too), then A again
    const hold = holdAtArchive(pipeline);
    const other = path.join(root, 'other.csv');
    writeFileSync(other, `${readFileSync(sample('orders-clean.csv'), 'utf-8')}${ordersLine(9999)}\n`);
    pipeline.put(sample('orders-clean.csv'), KEY);
    const first = (await pipeline.deliver(await pipeline.objectCreatedEvent(KEY))).started[0].executionName;
    await hold.at(first);
    pipeline.put(other, KEY);
    const second = (await pipeline.deliver(await pipeline.objectCreatedEvent(KEY))).started[0].executionName;
    await hold.at(second);
    pipeline.put(sample('orders-clean.csv'), KEY);
    const again = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));

    // Act: the first archives while the second still runs
    hold.release(first);
    const firstRecord = await pipeline.waitFor(first);

    // Assess: A is gone from extract/ (both of its uploads); B's version is kept for its run
    expect(again.duplicates).toMatchObject([{ executionName: first, disposition: 'left' }]);
    expect(firstRecord.status).toBe('SUCCEEDED');
    expect(keysUnder(pipeline, 'extract')).toEqual([executionInputSchema.parse(firstRecord.input).archivedKey]);
    expect(keptVersions(root)).toHaveLength(1);

    // Act: the second run ends
    hold.release(second);
    const secondRecord = await pipeline.waitFor(second);

    // Assess: each upload's bytes archived once, nothing left in extract/
    expect(secondRecord.status).toBe('SUCCEEDED');
    const archived = [firstRecord, secondRecord].map((r) => executionInputSchema.parse(r.input).archivedKey);
    expect(keysUnder(pipeline, 'extract')).toEqual([...archived].sort());
    expect(readFileSync(pipeline.bucket.pathOf(archived[1]))).toEqual(readFileSync(other));
    expect(keptVersions(root)).toEqual([]);
    expect(pipeline.store.list()).toHaveLength(2);
  });

  it('after the first failed at Archive: left in extract/, gone once the redrive archives', async () => {
    // Prepare: the first execution fails at its Archive step; the same bytes are dropped again
    pipeline.close();
    const faulty = new LocalPipeline({ root, faults: { Archive: 'fail' } });
    faulty.put(sample('orders-clean.csv'), KEY);
    const name = (await faulty.deliver(await faulty.objectCreatedEvent(KEY))).started[0].executionName;
    expect(await faulty.waitFor(name)).toMatchObject({ status: 'FAILED' });
    faulty.put(sample('orders-clean.csv'), KEY);
    const again = await faulty.deliver(await faulty.objectCreatedEvent(KEY));
    faulty.close();
    pipeline = new LocalPipeline({ root });

    // Act
    pipeline.redrive(name);
    const record = await pipeline.waitFor(name);

    // Assess
    expect(again.duplicates).toMatchObject([{ executionName: name, disposition: 'left' }]);
    expect(record.status).toBe('SUCCEEDED');
    expect(keysUnder(pipeline, 'extract')).toEqual([executionInputSchema.parse(record.input).archivedKey]);
    expect(keptVersions(root)).toEqual([]);
  });
});

describe("the folder bucket's versions", () => {
  const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
  let bucket: FolderBucket;

  beforeEach(() => {
    bucket = new FolderBucket(tempRoot());
  });

  it('lists the versions recorded for the key, newest first, not a file not recorded yet nor another key', async () => {
    // Prepare: A recorded, B recorded over it, then C written and not recorded yet; a key A prefixes
    writeFileSync(bucket.pathOf(KEY), 'a\n');
    await bucket.putVersion(KEY);
    writeFileSync(bucket.pathOf(`${KEY}.bak`), 'a\n');
    await bucket.putVersion(`${KEY}.bak`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(bucket.pathOf(KEY), 'bb\n');
    await bucket.putVersion(KEY);
    const recorded = await bucket.listVersions(LOCAL_BUCKET, KEY);
    writeFileSync(bucket.pathOf(KEY), 'ccc\n');

    // Act
    const versions = await bucket.listVersions(LOCAL_BUCKET, KEY);

    // Assess
    expect(recorded).toEqual([
      { versionId: md5('bb\n'), eTag: md5('bb\n'), sizeBytes: 3, isLatest: true },
      { versionId: md5('a\n'), eTag: md5('a\n'), sizeBytes: 2, isLatest: false },
    ]);
    expect(versions.map((v) => [v.versionId, v.isLatest])).toEqual([
      [md5('bb\n'), false],
      [md5('a\n'), false],
    ]);
    expect(await bucket.listVersions(LOCAL_BUCKET, 'extract/none.csv')).toEqual([]);
  });

  it('a delete of a version whose kept copy is gone never deletes other bytes at the key, and a head of it does not answer for them', async () => {
    // Prepare: version A recorded and deleted, then B at the key
    writeFileSync(bucket.pathOf(KEY), 'a\n');
    const { versionId } = await bucket.putVersion(KEY);
    await bucket.delete(LOCAL_BUCKET, KEY, versionId);
    writeFileSync(bucket.pathOf(KEY), 'bb\n');

    // Act
    const head = await bucket.head(LOCAL_BUCKET, KEY, versionId);
    await bucket.delete(LOCAL_BUCKET, KEY, versionId);

    // Assess
    expect(head).toBeUndefined();
    expect(readFileSync(bucket.pathOf(KEY), 'utf-8')).toBe('bb\n');
  });

  it('a version whose kept copy is gone is still the file at the key that holds its bytes (head, then delete)', async () => {
    // Prepare: version A recorded and deleted, then the same bytes written again, not recorded
    writeFileSync(bucket.pathOf(KEY), 'a\n');
    const { versionId } = await bucket.putVersion(KEY);
    await bucket.delete(LOCAL_BUCKET, KEY, versionId);
    writeFileSync(bucket.pathOf(KEY), 'a\n');

    // Act
    const head = await bucket.head(LOCAL_BUCKET, KEY, versionId);
    await bucket.delete(LOCAL_BUCKET, KEY, versionId);

    // Assess
    expect(head).toEqual({ sizeBytes: 2, contentId: md5('a\n') });
    expect(existsSync(bucket.pathOf(KEY))).toBe(false);
  });

  it("a head of a recorded version gives its MD5 as the content id (its id and ETag); of the key's file, none, without reading it", async () => {
    // Prepare
    writeFileSync(bucket.pathOf(KEY), 'a\n');
    const { versionId, eTag } = await bucket.putVersion(KEY);

    // Act
    const version = await bucket.head(LOCAL_BUCKET, KEY, versionId);
    const file = await bucket.head(LOCAL_BUCKET, KEY);

    // Assess
    expect(version).toEqual({ sizeBytes: 2, contentId: md5('a\n') });
    expect([versionId, eTag]).toEqual([md5('a\n'), md5('a\n')]);
    expect(file).toEqual({ sizeBytes: 2 });
  });
});
