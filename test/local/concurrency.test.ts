/**
 * Bursts of uploads against Glue's concurrency limit: the local Glue stand-in refuses runs beyond
 * `maxConcurrentRuns` with Glue.ConcurrentRunsExceededException, so the ASL's Retry is exercised
 * for real; when retries run out the file fails visibly and stays in place for a redrive. The
 * fast path is off (fastPathMaxBytes 0): the samples are small enough for it, and it has no such limit.
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { utcDate } from '../../core/naming';
import type { RunResult } from '../../local/shared/run-result';
import { watchBucket } from '../../local/cli/watch';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { glueRouteConfig } from '../helpers/fast-path-config';
import { hasUploadCopy, notifications, sample, tempRoot } from '../helpers/local-root';

describe('concurrency', () => {
  it('50 files dropped at once into etl watch: they wait their turn, 50 SUCCESS, 50 notifications, none lost', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root, configPath: glueRouteConfig(root), maxConcurrentRuns: 2 });
    const extract = path.join(root, 'bucket', 'extract');
    const results: RunResult[] = [];
    const controller = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    let allDone!: () => void;
    const done = new Promise<void>((resolve) => (allDone = resolve));
    const watching = watchBucket(
      pipeline,
      {
        onReady: () => ready(),
        onResult: (r) => {
          results.push(r);
          if (results.length === 50) allDone();
        },
      },
      controller.signal,
    );

    // Act
    await isReady;
    for (let i = 0; i < 50; i += 1) copyFileSync(sample('orders-clean.csv'), path.join(extract, `orders-burst-${String(i).padStart(2, '0')}.csv`));
    await done;
    controller.abort();
    await watching;

    // Assess
    expect(results).toHaveLength(50);
    expect(new Set(results.map((r) => r.inputKey)).size).toBe(50);
    expect(notifications(root)).toHaveLength(50);
    const archived = path.join(extract, 'archived', utcDate(new Date()));
    for (const r of results) {
      const file = path.basename(r.inputKey);
      expect(
        r.status === 'FAILURE'
          ? existsSync(path.join(extract, file))
          : hasUploadCopy(pipeline.bucket.dir, `extract/archived/${path.basename(archived)}/${file}`),
      ).toBe(true);
    }
    // Beyond two runs they queued, as with Glue's job run queuing: none failed for concurrency.
    expect(results.map((r) => r.status)).toEqual(Array(50).fill('SUCCESS'));
    pipeline.close();
  }, 120_000);

  it('when Glue concurrency retries run out: etl-job-failure naming the Glue error, input in place, then redrive succeeds', async () => {
    // Prepare: one run at a time, no queue, and retries 1 ms apart so they run out while the other job works.
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root, configPath: glueRouteConfig(root), maxConcurrentRuns: 1, glueQueueMs: 0, transformRetryMs: 1 });
    for (const name of ['orders-a.csv', 'orders-b.csv']) pipeline.put(sample('orders-clean.csv'), `extract/${name}`);

    // Act
    const started = await Promise.all(['orders-a.csv', 'orders-b.csv'].map(async (n) => pipeline.deliver(await pipeline.objectCreatedEvent(`extract/${n}`))));
    const names = started.flatMap((s) => s.started.map((x) => x.executionName));
    const records = await Promise.all(names.map((n) => pipeline.waitFor(n)));

    // Assess
    const failed = records.filter((r) => r.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toBe('Glue.ConcurrentRunsExceededException');
    expect(
      notifications(root)
        .map((n) => n.topic)
        .sort(),
    ).toEqual(['etl-job-failure', 'etl-job-success']);
    expect(readdirSync(path.join(root, 'bucket', 'extract')).filter((f) => f.endsWith('.csv'))).toEqual([failed[0].inputKey.slice('extract/'.length)]);

    // Act: redrive
    pipeline.redrive(failed[0].name);
    const redriven = await pipeline.waitFor(failed[0].name);

    // Assess
    expect(redriven.status).toBe('SUCCEEDED');
    expect(notifications(root).map((n) => n.topic)).toHaveLength(3);
    pipeline.close();
  });
});
