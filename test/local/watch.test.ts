/**
 * `etl watch`: files dropped into <root>/bucket/extract/ are processed as they arrive; files
 * already there at start are processed too; archived and rejected folders are never re-triggered;
 * the same bytes dropped again are said to be a duplicate and leave extract/ once archived.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import type { RunResult } from '../../local/shared/run-result';
import { NOT_A_DATA_FILE, watchBucket } from '../../local/cli/watch';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE } from '../../statemachine/definition';
import { notifications, PROJECT_ROOT, sample, tempRoot } from '../helpers/local-root';

/** Watches the pipeline's bucket until `count` results came: the results, the files skipped, the watch's controller, its start and its end. */
function watchUntil(pipeline: LocalPipeline, count: number) {
  const results: RunResult[] = [];
  const skipped: string[] = [];
  const controller = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const allDone = new Promise<void>((resolve) => {
    void watchBucket(
      pipeline,
      {
        onReady: () => ready(),
        onResult: (r) => {
          results.push(r);
          if (results.length === count) resolve();
        },
        onSkipped: (key, reason) => skipped.push(`${key}: ${reason}`),
      },
      controller.signal,
    );
  });
  return { results, skipped, controller, isReady, allDone };
}

describe('etl watch', () => {
  it('processes dropped files, including one present before the start, each exactly once', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const extract = path.join(root, 'bucket', 'extract');
    copyFileSync(sample('orders-clean.csv'), path.join(extract, 'orders-before-start.csv'));
    const { results, controller, isReady, allDone } = watchUntil(pipeline, 3);

    // Act
    await isReady;
    mkdirSync(path.join(extract, 'shop-a'), { recursive: true });
    copyFileSync(sample('orders-with-duplicates.csv'), path.join(extract, 'shop-a', 'orders-dupes.csv'));
    copyFileSync(sample('orders-rejected.csv'), path.join(extract, 'orders-bad.csv'));
    await allDone;
    // Give the watcher time to see the archive/rejected copies (it must ignore them).
    await new Promise((resolve) => setTimeout(resolve, 800));
    controller.abort();
    await pipeline.idle();

    // Assess
    expect(results.map((r) => `${r.inputKey} ${r.status}`).sort()).toEqual([
      'extract/orders-bad.csv FAILURE',
      'extract/orders-before-start.csv SUCCESS',
      'extract/shop-a/orders-dupes.csv WARNING',
    ]);
    expect(pipeline.store.list()).toHaveLength(3);
    expect(notifications(root)).toHaveLength(3);
    pipeline.close();
  });

  it('takes .csv.gz, .tsv and .txt files (issue 20); names each other file once and leaves it there', async () => {
    // Prepare: the project's orders dataset matches *orders*.csv only, so these end unmatched
    // (rejected by Validate, named), never silently ignored.
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const extract = path.join(root, 'bucket', 'extract');
    mkdirSync(path.join(extract, 'shop-a'), { recursive: true });
    writeFileSync(path.join(extract, 'shop-a', 'before-start.xlsx'), 'PK');
    const { results, skipped, controller, isReady, allDone } = watchUntil(pipeline, 4);

    // Act
    await isReady;
    writeFileSync(path.join(extract, 'notes.json'), '{}');
    writeFileSync(path.join(extract, 'orders.CSV.GZ'), gzipSync(readFileSync(sample('orders-clean.csv'))));
    copyFileSync(sample('orders-clean.csv'), path.join(extract, 'orders.tsv'));
    copyFileSync(sample('orders-clean.csv'), path.join(extract, 'orders.txt'));
    for (let waited = 0; waited < 20_000 && skipped.length < 2; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    // A change of a file already named is not named again: the next result comes after it.
    writeFileSync(path.join(extract, 'notes.json'), '{"changed": true}');
    copyFileSync(sample('orders-clean.csv'), path.join(extract, 'orders-after.csv'));
    await allDone;
    controller.abort();
    await pipeline.idle();

    // Assess
    expect(results.map((r) => r.inputKey).sort()).toEqual(['extract/orders-after.csv', 'extract/orders.CSV.GZ', 'extract/orders.tsv', 'extract/orders.txt']);
    // A data file no dataset matches is not left in extract/ unsaid: a FAILURE line naming why, the file in rejected/ (as on AWS)
    const unmatched = results.filter((r) => r.inputKey === 'extract/orders.tsv' || r.inputKey === 'extract/orders.txt');
    expect(unmatched.map((r) => [r.status, r.error?.name, r.rejectedKey?.startsWith('extract/rejected/')])).toEqual([
      ['FAILURE', 'UnknownDatasetError', true],
      ['FAILURE', 'UnknownDatasetError', true],
    ]);
    expect([existsSync(path.join(extract, 'orders.tsv')), existsSync(path.join(extract, 'orders.txt'))]).toEqual([false, false]);
    expect(skipped.sort()).toEqual([`extract/notes.json: ${NOT_A_DATA_FILE}`, `extract/shop-a/before-start.xlsx: ${NOT_A_DATA_FILE}`]);
    expect(NOT_A_DATA_FILE).toBe('not a data file (only .csv, .csv.gz, .tsv, .tsv.gz, .txt are taken, in any case); left where it is');
    expect([existsSync(path.join(extract, 'notes.json')), existsSync(path.join(extract, 'shop-a', 'before-start.xlsx'))]).toEqual([true, true]);
    pipeline.close();
  });

  it('says a copy of the same bytes dropped during the run is a duplicate, and removes it once the first is archived', async () => {
    // Prepare: the copy lands while the first execution transforms
    const root = tempRoot();
    const target = path.join(root, 'bucket', 'extract', 'orders-twice.csv');
    const pipeline = new LocalPipeline({
      root,
      onStateEntered: (_name, state) => {
        if (state === STATE.Transform || state === STATE.TransformInLambda) copyFileSync(sample('orders-clean.csv'), target);
      },
    });
    const results: RunResult[] = [];
    const duplicates: string[] = [];
    const controller = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const watching = watchBucket(
      pipeline,
      {
        onReady: () => ready(),
        onResult: (r) => results.push(r),
        onDuplicate: (key, _name, archived) => duplicates.push(`${key}${archived ? ' archived' : ''}`),
      },
      controller.signal,
      { stableMs: 300 },
    );

    // Act
    await isReady;
    copyFileSync(sample('orders-clean.csv'), target);
    for (let waited = 0; waited < 10_000 && duplicates.length === 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await watching;

    // Assess
    expect(results.map((r) => r.status)).toEqual(['SUCCESS']);
    expect(duplicates).toEqual(['extract/orders-twice.csv archived']);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(path.join(root, 'bucket', 'extract', 'archived'), { recursive: true }).filter((f) => String(f).endsWith('.csv'))).toHaveLength(1);
    expect(pipeline.store.list()).toHaveLength(1);
    expect(notifications(root)).toHaveLength(1);
    pipeline.close();
  }, 30_000);

  it('--engine duckdb --config FILE: every file takes the Glue route on that engine, with that config (the bin, as a user runs it)', async () => {
    // Prepare: a file already in extract/ at start, and a config of its own (the project's, copied)
    const root = tempRoot();
    mkdirSync(path.join(root, 'bucket', 'extract'), { recursive: true });
    copyFileSync(sample('orders-clean.csv'), path.join(root, 'bucket', 'extract', 'orders-early.csv'));
    const config = path.join(root, 'watched.config.json');
    copyFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), config);

    // Act: Ctrl-C once the first result line is out
    const args = ['watch', '--root', root, '--config', config, '--engine', 'duckdb', '--json', '--stable-ms', '300'];
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'etl.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    // Assess: the small sample would take the fast path without --engine
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'SUCCESS', engine: 'duckdb', engineReason: '--engine' });
    expect(stderr).toContain(`(config ${config} (--config);`);
  }, 60_000);
});
