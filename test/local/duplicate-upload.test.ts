/**
 * The same bytes uploaded again under one key, on the local runtime: one execution. The second
 * version leaves extract/ once the first is archived, and the archive holds the input once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { executionInputSchema } from '../../core/execution-input-schema';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { notifications, sample, tempRoot } from '../helpers/local-root';

const KEY = 'extract/orders-clean.csv';

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
    // Prepare
    pipeline.put(sample('orders-clean.csv'), KEY);
    const first = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));
    const name = first.started[0].executionName;

    // Act: the second version arrives before the first execution reaches its Archive step
    pipeline.put(sample('orders-clean.csv'), KEY);
    const again = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));
    const record = await pipeline.waitFor(name);

    // Assess
    expect(again.duplicates).toMatchObject([{ executionName: name, disposition: 'left' }]);
    expect(again.duplicates[0].reason).toContain('has not archived these bytes');
    expect(record.status).toBe('SUCCEEDED');
    expect(keysUnder(pipeline, 'extract')).toEqual([executionInputSchema.parse(record.input).archivedKey]);
    expect(pipeline.store.list()).toHaveLength(1);
  });
});
