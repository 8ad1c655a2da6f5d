/**
 * The size Choice in the local runtime, on real files: the same file through the fast path
 * (TransformInLambda) and through the Glue job's stand-in (Transform), chosen by the dataset's
 * fastPathMaxBytes, ends in the same outcome with the same rows in load/ and the same state; a
 * failure on the fast path is described like a Glue job's, and a redrive resumes at the fast path.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

import { utcDate } from '../../core/naming';
import { runFiles } from '../../local/cli/run-files';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { formatRunResult, type RunResult } from '../../local/shared/run-result';
import { STATE } from '../../statemachine/definition';
import { configWithFastPath } from '../helpers/fast-path-config';
import { hasUploadCopy, notifications, readParquet, sample, tempRoot, writeCsv } from '../helpers/local-root';

/** Rows as sorted JSON lines: the same rows, whatever the files or their order. */
function canonical(rows: readonly Record<string, unknown>[]): string[] {
  const value = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v);
  return rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, value(v)])))).sort();
}

interface RouteRun {
  readonly root: string;
  readonly pipeline: LocalPipeline;
  readonly result: RunResult;
  readonly entered: string[];
}

const open: LocalPipeline[] = [];
afterEach(() => {
  for (const pipeline of open.splice(0)) pipeline.close();
});

/** Runs `file` in a fresh root whose datasets have `fastPathMaxBytes` (and `edit`). */
async function runWith(file: string, fastPathMaxBytes: number, edit?: (dataset: Record<string, unknown>) => void): Promise<RouteRun> {
  const root = tempRoot();
  const pipeline = new LocalPipeline({ root, configPath: configWithFastPath(root, fastPathMaxBytes, edit) });
  open.push(pipeline);
  const [result] = await runFiles(pipeline, [file], {});
  const entered = pipeline.store
    .events(result.executionName)
    .filter((e) => e.type === 'StateEntered')
    .map((e) => e.state as string);
  return { root, pipeline, result, entered };
}

const loaded = (run: RouteRun) => readParquet(path.join(run.root, 'bucket', 'load', 'orders'), 'dt=*/*.parquet');
const state = (run: RouteRun) => readParquet(path.join(run.root, 'bucket', 'load', 'latest', 'orders', 'versions'));

describe('the size Choice, locally', () => {
  it.each(['orders-clean.csv', 'orders-with-duplicates.csv'])(
    '%s: both routes end in the same outcome, with the same rows in load/ and the same state',
    async (name) => {
      // Prepare: one threshold at the file's size (the fast path: size ≤ threshold), one a byte below it
      const file = sample(name);
      const size = statSync(file).size;

      // Act
      const fast = await runWith(file, size);
      const glue = await runWith(file, size - 1);

      // Assess: the branch taken
      expect(fast.entered).toContain(STATE.TransformInLambda);
      expect(fast.entered).not.toContain(STATE.Transform);
      expect(glue.entered).toContain(STATE.Transform);
      expect(glue.entered).not.toContain(STATE.TransformInLambda);
      expect(fast.result.engine).toBe('lambda');
      expect(glue.result.engine).toBe(glue.pipeline.engine);
      // the same outcome
      const facts = (r: RunResult) => ({
        status: r.status,
        topic: r.topic,
        rowsIn: r.rowsIn,
        rowsOut: r.rowsOut,
        duplicatesRemoved: r.duplicatesRemoved,
        malformedRows: r.malformedRows,
        outputPrefix: r.outputPrefix,
        warnings: r.warnings,
      });
      expect(fast.pipeline.store.get(fast.result.executionName)?.status).toBe('SUCCEEDED');
      expect(glue.pipeline.store.get(glue.result.executionName)?.status).toBe('SUCCEEDED');
      expect(facts(fast.result)).toEqual(facts(glue.result));
      expect(notifications(fast.root).map((n) => n.topic)).toEqual([fast.result.topic]);
      expect(notifications(glue.root).map((n) => n.topic)).toEqual([glue.result.topic]);
      // the same Parquet rows and the same state
      const fastRows = await loaded(fast);
      expect(fastRows.length).toBe(fast.result.rowsOut);
      expect(canonical(fastRows)).toEqual(canonical(await loaded(glue)));
      expect(canonical(await state(fast))).toEqual(canonical(await state(glue)));
      // both inputs archived
      const today = utcDate(new Date());
      for (const run of [fast, glue]) expect(hasUploadCopy(run.pipeline.bucket.dir, `extract/archived/${today}/${name}`)).toBe(true);
    },
  );

  it('says which engine ran: in the notification and on the etl run line', async () => {
    // Act
    const fast = await runWith(sample('orders-clean.csv'), 1024 * 1024);

    // Assess
    const [notification] = notifications(fast.root);
    expect(notification.message).toContain('transform engine: lambda (the fast path, TransformInLambda)');
    expect(JSON.parse(notification.message.split('\n').pop() as string)).toMatchObject({ engine: 'lambda' });
    expect(formatRunResult(fast.result)).toContain('via lambda');
    const report = JSON.parse(readFileSync(path.join(fast.pipeline.bucket.dir, 'logs', 'glue-jobs', 'orders', `${fast.result.executionName}.json`), 'utf-8'));
    expect(report).toMatchObject({ engine: 'lambda', status: 'SUCCEEDED' });
  });

  it('a gzip file is judged by its uncompressed size: under the threshold stored, over it inflated → the Glue job', async () => {
    // Prepare: the sample gzipped; a threshold between its stored and its uncompressed size
    const text = readFileSync(sample('orders-clean.csv'));
    const root = tempRoot();
    const file = path.join(root, 'orders-clean.csv.gz');
    writeFileSync(file, gzipSync(text));
    const stored = statSync(file).size;
    expect(stored).toBeLessThan(text.length - 1);

    const gzipToo = (dataset: Record<string, unknown>) => (dataset.match = 'extract/**/*orders*.csv.gz');

    // Act
    const over = await runWith(file, text.length - 1, gzipToo);
    const under = await runWith(file, text.length, gzipToo);

    // Assess
    expect(over.entered).toContain(STATE.Transform);
    expect(over.entered).not.toContain(STATE.TransformInLambda);
    expect(under.entered).toContain(STATE.TransformInLambda);
    expect(over.result.status).toBe('SUCCESS');
    expect(under.result.status).toBe('SUCCESS');
    expect(canonical(await loaded(over))).toEqual(canonical(await loaded(under)));
  });

  it('threshold 0 turns the fast path off: a 40-row file goes to the Glue job', async () => {
    // Act
    const run = await runWith(sample('orders-clean.csv'), 0);

    // Assess
    expect(run.entered).toContain(STATE.Transform);
    expect(run.entered).not.toContain(STATE.TransformInLambda);
    expect(run.result).toMatchObject({ status: 'SUCCESS', rowsOut: 40, engine: run.pipeline.engine });
    expect(run.pipeline.engine).not.toBe('lambda');
  });
});

describe('a failure on the fast path', () => {
  // Validate samples 3 rows only, so the bad rows are the transform's to find (as in pipeline-routes).
  const sampleOnly = (dataset: Record<string, unknown>): void => {
    dataset.validation = { fullScanMaxBytes: 1, sampleRows: 3 };
  };

  function brokenFile(dir: string): string {
    const lines = readFileSync(sample('orders-clean.csv'), 'utf-8').trimEnd().split('\n');
    const broken = [...lines.slice(0, 4), ...lines.slice(4, 18).map((l) => l.replace(/,(\d),(\d+\.\d\d),/, ',lots,$2,'))];
    return writeCsv(dir, 'orders-broken.csv', `${broken.join('\n')}\n`);
  }

  it('ends FAILURE through DescribeTransformFailure, one etl-job-failure, the input left in extract/; a redrive resumes at TransformInLambda', async () => {
    // Prepare
    const dir = tempRoot();
    const file = brokenFile(dir);

    // Act
    const failed = await runWith(file, 1024 * 1024, sampleOnly);

    // Assess
    expect(failed.result).toMatchObject({ status: 'FAILURE', topic: 'etl-job-failure', error: { name: 'QualityThresholdError' }, engine: 'lambda' });
    expect(failed.result.malformedRows).toBeGreaterThan(0);
    expect(failed.entered).toEqual(
      expect.arrayContaining([STATE.TransformInLambda, STATE.DescribeTransformFailure, STATE.NotifyTransformFailure, STATE.RedriveGate]),
    );
    expect(failed.entered).not.toContain(STATE.Transform);
    expect(failed.entered).not.toContain(STATE.NotifyCritical);
    const sent = notifications(failed.root);
    expect(sent.map((n) => n.topic)).toEqual(['etl-job-failure']);
    expect(sent[0].message).toContain(`ended at ${STATE.TransformInLambda}`);
    expect(sent[0].message).toContain('input left in place');
    expect(existsSync(path.join(failed.pipeline.bucket.dir, 'extract', 'orders-broken.csv'))).toBe(true);
    expect(existsSync(path.join(failed.pipeline.bucket.dir, 'load', 'orders'))).toBe(false);
    expect(failed.pipeline.store.get(failed.result.executionName)).toMatchObject({ status: 'FAILED', error: 'QualityThresholdError' });

    // Prepare: the threshold fixed (the bad rows only warn now), in a new deployment of the same root
    failed.pipeline.close();
    open.splice(open.indexOf(failed.pipeline), 1);
    const relaxed = (dataset: Record<string, unknown>): void => {
      sampleOnly(dataset);
      dataset.quality = { ...(dataset.quality as object), malformedRowRatio: { warn: 0.0001, fail: 1 } };
    };
    const fixed = new LocalPipeline({ root: failed.root, configPath: configWithFastPath(failed.root, 1024 * 1024, relaxed) });
    open.push(fixed);
    const before = fixed.store.events(failed.result.executionName).length;

    // Act
    fixed.redrive(failed.result.executionName);
    const record = await fixed.waitFor(failed.result.executionName);

    // Assess
    expect(record.status).toBe('SUCCEEDED');
    const after = fixed.store
      .events(failed.result.executionName)
      .slice(before)
      .filter((e) => e.type === 'StateEntered')
      .map((e) => e.state);
    expect(after).toEqual([
      STATE.RedriveGate,
      STATE.ResumeAt,
      STATE.TransformInLambda,
      STATE.Summarize,
      STATE.Archive,
      STATE.RouteOutcome,
      STATE.NotifyWarning,
      STATE.Succeeded,
    ]);
    expect(notifications(failed.root).map((n) => n.topic)).toEqual(['etl-job-failure', 'etl-job-warning']);
    expect(existsSync(path.join(fixed.bucket.dir, 'extract', 'orders-broken.csv'))).toBe(false);
  });

  it('a fault injected into TransformInLambda is a failed transform: etl-job-failure, not a critical alert', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root, faults: { [STATE.TransformInLambda]: 'fail' } });
    open.push(pipeline);

    // Act
    const [result] = await runFiles(pipeline, [sample('orders-clean.csv')], {});

    // Assess
    expect(result).toMatchObject({ status: 'FAILURE', topic: 'etl-job-failure', error: { name: 'FaultInjectedError' }, engine: 'lambda' });
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-job-failure']);
  });
});
