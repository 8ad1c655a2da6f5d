/**
 * The whole ASL through the local runtime on real files: each route of the state machine, where
 * the input ends up, what was written to load/, and the one notification each run sends.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { archivedKey, uploadId, utcDate } from '../../core/naming';
import { runFiles } from '../../local/cli/run-files';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { PROJECT_ROOT, hasUploadCopy, notifications, readParquet, sample, tempRoot, withoutUploadId, writeCsv } from '../helpers/local-root';

describe('local pipeline routes', () => {
  let root: string;
  let pipeline: LocalPipeline;

  beforeEach(() => {
    root = tempRoot();
    pipeline = new LocalPipeline({ root });
  });
  afterEach(() => pipeline.close());

  const bucketPath = (key: string): string => path.join(root, 'bucket', key);
  const today = (): string => utcDate(new Date());

  it('success: loads the clean sample, archives the input, notifies etl-job-success once', async () => {
    // Act
    const [result] = await runFiles(pipeline, [sample('orders-clean.csv')], {});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCESS', topic: 'etl-job-success', rowsIn: 40, rowsOut: 40, duplicatesRemoved: 0, malformedRows: 0 });
    expect(existsSync(bucketPath('extract/orders-clean.csv'))).toBe(false);
    expect(hasUploadCopy(pipeline.bucket.dir, `extract/archived/${today()}/orders-clean.csv`)).toBe(true);
    expect(await readParquet(bucketPath(`load/orders/dt=${today()}`))).toHaveLength(40);
    expect(await readParquet(bucketPath('load/latest/orders/versions'))).toHaveLength(40);
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-job-success']);
    expect(pipeline.store.get(result.executionName)?.status).toBe('SUCCEEDED');
  });

  it('warning: duplicates beyond the warn ratio are removed and announced on etl-job-warning', async () => {
    // Act
    const [result] = await runFiles(pipeline, [sample('orders-with-duplicates.csv')], {});

    // Assess
    expect(result).toMatchObject({ status: 'WARNING', topic: 'etl-job-warning', rowsIn: 38, rowsOut: 30, duplicatesRemoved: 8 });
    expect(result.warnings[0]).toContain('duplicateRatio');
    expect(hasUploadCopy(pipeline.bucket.dir, `extract/archived/${today()}/orders-with-duplicates.csv`)).toBe(true);
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-job-warning']);
  });

  it('reject: a header that does not match moves the input to extract/rejected/ and notifies etl-job-failure', async () => {
    // Act
    const [result] = await runFiles(pipeline, [sample('orders-rejected.csv')], {});

    // Assess
    expect(result).toMatchObject({ status: 'FAILURE', topic: 'etl-job-failure', error: { name: 'HeaderMismatchError' } });
    expect(withoutUploadId(result.rejectedKey as string)).toBe(`extract/rejected/${today()}/orders-rejected.csv`);
    expect(existsSync(bucketPath(result.rejectedKey as string))).toBe(true);
    expect(existsSync(bucketPath('extract/orders-rejected.csv'))).toBe(false);
    expect(existsSync(bucketPath('load/orders'))).toBe(false);
    const record = pipeline.store.get(result.executionName);
    expect(record).toMatchObject({ status: 'FAILED', error: 'HeaderMismatchError' });
    expect(notifications(root)).toHaveLength(1);
  });

  it('transform failure: rows beyond the sampled ones fail the full-file check; the input stays for a redrive', async () => {
    // Prepare: Validate only samples 3 rows, so the bad rows are found by the transform (whole
    // records only: line 20 of the sample is inside a quoted note).
    const config = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8'));
    config.datasets[0].validation = { fullScanMaxBytes: 1, sampleRows: 3 };
    const configPath = path.join(root, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    pipeline.close();
    pipeline = new LocalPipeline({ root, configPath });
    const lines = readFileSync(sample('orders-clean.csv'), 'utf-8').trimEnd().split('\n');
    const broken = [...lines.slice(0, 4), ...lines.slice(4, 18).map((l) => l.replace(/,(\d),(\d+\.\d\d),/, ',lots,$2,'))];
    const file = writeCsv(root, 'orders-broken.csv', `${broken.join('\n')}\n`);

    // Act
    const [result] = await runFiles(pipeline, [file], {});

    // Assess
    expect(result).toMatchObject({ status: 'FAILURE', topic: 'etl-job-failure', error: { name: 'QualityThresholdError' } });
    expect(result.malformedRows).toBeGreaterThan(0);
    expect(existsSync(bucketPath('extract/orders-broken.csv'))).toBe(true);
    expect(existsSync(bucketPath('load/orders'))).toBe(false);
    expect(pipeline.store.get(result.executionName)).toMatchObject({ status: 'FAILED', error: 'QualityThresholdError' });
    const rejects = readFileSync(bucketPath(`logs/glue-jobs/orders/${result.executionName}.rejects.csv`), 'utf-8');
    expect(rejects).toContain('quantity: not an integer');
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-job-failure']);
  });

  it('critical: an unexpected error in a step (archive destination unusable) alerts etl-critical-alerts', async () => {
    // Prepare: a folder where the archive copy must go makes the copy fail.
    const key = 'extract/orders-clean.csv';
    const content = createHash('md5')
      .update(readFileSync(sample('orders-clean.csv')))
      .digest('hex');
    mkdirSync(bucketPath(archivedKey(key, today(), uploadId(key, content))), { recursive: true });

    // Act
    const [result] = await runFiles(pipeline, [sample('orders-clean.csv')], {});

    // Assess
    expect(result).toMatchObject({ status: 'FAILURE', topic: 'etl-critical-alerts' });
    expect(existsSync(bucketPath('extract/orders-clean.csv'))).toBe(true);
    expect(pipeline.store.get(result.executionName)).toMatchObject({ status: 'FAILED', error: 'PipelineCriticalError' });
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-critical-alerts']);
  });

  it('a file no dataset matches is rejected with UnknownDatasetError, never lost', async () => {
    // Prepare
    const file = writeCsv(root, 'customers.csv', 'id,name\n1,Ann\n');

    // Act
    const [result] = await runFiles(pipeline, [file], {});

    // Assess
    expect(result).toMatchObject({ status: 'FAILURE', error: { name: 'UnknownDatasetError' } });
    expect(hasUploadCopy(pipeline.bucket.dir, `extract/rejected/${today()}/customers.csv`)).toBe(true);
  });

  it('the same S3 event delivered 10 times, in sequence and at once, starts one execution', async () => {
    // Prepare
    pipeline.put(sample('orders-clean.csv'), 'extract/orders-clean.csv');
    const event = await pipeline.objectCreatedEvent('extract/orders-clean.csv');

    // Act
    const sequential = [];
    for (let i = 0; i < 5; i += 1) sequential.push(await pipeline.deliver(event));
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => pipeline.deliver(event)));
    await pipeline.idle();

    // Assess
    const all = [...sequential, ...concurrent];
    expect(all.flatMap((r) => r.started)).toHaveLength(1);
    expect(all.flatMap((r) => r.duplicates)).toHaveLength(9);
    expect(pipeline.store.list()).toHaveLength(1);
    expect(notifications(root)).toHaveLength(1);
  });

  it('the same bytes uploaded again under the same key are a duplicate: one execution, the rows once', async () => {
    // Act: two uploads of the same file (two object versions, one content).
    const [first] = await runFiles(pipeline, [sample('orders-clean.csv')], {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [again] = await runFiles(pipeline, [sample('orders-clean.csv')], {});

    // Assess
    expect(again.executionName).toBe(first.executionName);
    expect(pipeline.store.list()).toHaveLength(1);
    expect(await readParquet(bucketPath('load/orders').concat('/dt=', today()))).toHaveLength(40);
  });

  it('captures the Powertools log lines of each function under bucket/logs/lambda/', async () => {
    // Act
    await runFiles(pipeline, [sample('orders-clean.csv')], {});

    // Assess
    const lines = readFileSync(bucketPath('logs/lambda/etl-validate.log'), 'utf-8').split('\n').filter(Boolean);
    const logLine = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'file is valid');
    expect(logLine).toMatchObject({ service: 'etl-validate', level: 'INFO' });
    expect(lines.some((l) => l.includes('"_aws"') && l.includes('FilesValid'))).toBe(true);
  });
});
