/**
 * Nothing lost under real upload habits: daily exports under one name, slow writers, overwrites
 * during a run, re-drops that keep the modification time, links out of the bucket, and bad rows
 * late in a large file — each with its counts asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { runReportSchema } from '../../core/run-report';
import type { RunResult } from '../../local/shared/run-result';
import { runFiles } from '../../local/cli/run-files';
import { watchBucket } from '../../local/cli/watch';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { ORDERS_HEADER, ordersLine } from '../corpus/cases';
import { notifications, readParquet, tempRoot, writeCsv } from '../helpers/local-root';

const header = ORDERS_HEADER.join(',');
/** An `orders` file of rows `from` … `from + count - 1`. */
const orders = (from: number, count: number, line: (n: number) => string = (n) => ordersLine(n)): string =>
  `${[header, ...Array.from({ length: count }, (_, i) => line(from + i))].join('\n')}\n`;

/** What `watch` reported. */
interface Watched {
  readonly results: RunResult[];
  readonly duplicates: string[];
  readonly skipped: string[];
}

/** Runs `watch` on a pipeline, acts, and stops once `until` holds (10 s at most). */
async function watching(pipeline: LocalPipeline, act: () => Promise<void>, until: (seen: Watched) => boolean, stableMs = 600): Promise<Watched> {
  const results: RunResult[] = [];
  const duplicates: string[] = [];
  const skipped: string[] = [];
  const controller = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const done = watchBucket(
    pipeline,
    {
      onReady: () => ready(),
      onResult: (r) => results.push(r),
      onDuplicate: (key, _name, archived) => duplicates.push(`${key}${archived ? ' archived' : ''}`),
      onSkipped: (key, reason) => skipped.push(`${key}: ${reason}`),
    },
    controller.signal,
    { stableMs },
  );
  await isReady;
  await act();
  const seen = { results, duplicates, skipped };
  for (let waited = 0; waited < 10_000 && !until(seen); waited += 100) await sleep(100);
  controller.abort();
  await done;
  return seen;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nothing lost under real upload habits', () => {
  it('three daily exports under one name: load/ holds all three days, extract/archived/ all three inputs', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const days = [
      ['2026-11-23T06:00:00Z', orders(1, 100)],
      ['2026-11-24T06:00:00Z', orders(101, 80)],
      ['2026-11-25T06:00:00Z', orders(181, 70)],
    ] as const;

    // Act
    const outcomes = [];
    for (const [time, text] of days) {
      pipeline.put(writeCsv(root, 'export.csv', text), 'extract/orders-daily.csv');
      const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent('extract/orders-daily.csv', new Date(time)));
      outcomes.push(await pipeline.waitFor(triggered.started[0].executionName));
    }

    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const rows = await readParquet(path.join(pipeline.bucket.dir, 'load', 'orders'), 'dt=*/*.parquet');
    expect(rows).toHaveLength(250);
    expect(new Set(rows.map((r) => String(r.dt))).size).toBe(3);
    for (const day of ['2026-11-23', '2026-11-24', '2026-11-25']) {
      expect(readdirSync(path.join(pipeline.bucket.dir, 'extract', 'archived', day)).filter((f) => f.startsWith('orders-daily.'))).toHaveLength(1);
    }
    pipeline.close();
  });

  it('a file written slowly into a watched folder is processed once, complete', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const file = path.join(pipeline.bucket.dir, 'extract', 'orders-slow.csv');
    const text = orders(1, 1000);
    const chunk = Math.ceil(text.length / 6);

    // Act: 6 chunks, 300 ms apart (the watcher waits for 600 ms without change)
    const { results } = await watching(
      pipeline,
      async () => {
        for (let i = 0; i < 6; i += 1) {
          appendFileSync(file, text.slice(i * chunk, (i + 1) * chunk));
          await sleep(300);
        }
      },
      (seen) => seen.results.length >= 1,
    );

    // Assess
    expect(results.map((r) => [r.status, r.rowsIn, r.rowsOut])).toEqual([['SUCCESS', 1000, 1000]]);
    expect(pipeline.store.list()).toHaveLength(1);
    pipeline.close();
  }, 60_000);

  it('an overwrite during a run: the first version loads whole, the second gets its own execution', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const key = 'extract/orders-overwritten.csv';
    pipeline.put(writeCsv(root, 'v1.csv', orders(1, 3000)), key);
    const first = await pipeline.deliver(await pipeline.objectCreatedEvent(key));

    // Act: replaced in place while the first execution runs
    writeFileSync(pipeline.bucket.pathOf(key), orders(5001, 500));
    const second = await pipeline.deliver(await pipeline.objectCreatedEvent(key));
    const records = await Promise.all([...first.started, ...second.started].map((s) => pipeline.waitFor(s.executionName)));

    // Assess
    expect(records.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const reports = records.map((r) =>
      runReportSchema.parse(JSON.parse(readFileSync(pipeline.bucket.pathOf((r.input as { reportKey: string }).reportKey), 'utf-8'))),
    );
    expect(reports.map((r) => r.rowsOut)).toEqual([3000, 500]);
    expect(await readParquet(path.join(pipeline.bucket.dir, 'load', 'orders'), 'dt=*/*.parquet')).toHaveLength(3500);
    const archived = readdirSync(path.join(pipeline.bucket.dir, 'extract', 'archived'), { recursive: true }).filter((f) => String(f).endsWith('.csv'));
    expect(archived).toHaveLength(2);
    expect(existsSync(pipeline.bucket.pathOf(key))).toBe(false);
    pipeline.close();
  });

  it('a re-drop that keeps the modification time (cp -p) is said to be a duplicate and archived as one', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const source = writeCsv(root, 'orders-kept.csv', orders(1, 40));
    utimesSync(source, new Date('2026-11-20T10:00:00Z'), new Date('2026-11-20T10:00:00Z'));
    const target = path.join(pipeline.bucket.dir, 'extract', 'orders-kept.csv');

    // Act: the file, then the same file again once it is archived
    const { results, duplicates } = await watching(
      pipeline,
      async () => {
        execFileSync('cp', ['-p', source, target]);
        while (existsSync(target)) await sleep(100);
        execFileSync('cp', ['-p', source, target]);
        while (existsSync(target)) await sleep(100);
      },
      (seen) => seen.results.length >= 1 && seen.duplicates.length >= 1,
    );

    // Assess: one execution, one notification, the re-drop said and gone from extract/
    expect(results.map((r) => r.status)).toEqual(['SUCCESS']);
    expect(duplicates).toEqual(['extract/orders-kept.csv archived']);
    expect(notifications(root)).toHaveLength(1);
    expect(pipeline.store.list()).toHaveLength(1);
    pipeline.close();
  }, 60_000);

  it('a link in extract/ to a file outside the bucket is refused; nothing of its target appears anywhere', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const secret = writeCsv(root, 'secret.csv', `${header}\n${ordersLine(1, 'TOP-SECRET-TARGET')}\n`);

    // Act
    const { results, skipped } = await watching(
      pipeline,
      async () => {
        symlinkSync(secret, path.join(pipeline.bucket.dir, 'extract', 'orders-link.csv'));
      },
      (seen) => seen.skipped.length >= 1,
    );

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([expect.stringMatching(/^extract\/orders-link\.csv: NotARegularFileError: .* is a link leading outside the bucket/)]);
    // grep -r does not follow the link itself: any hit is a copy of the target.
    const places = [pipeline.bucket.dir, path.join(root, 'versions')].filter((dir) => existsSync(dir));
    expect(spawnSync('grep', ['-rl', 'TOP-SECRET-TARGET', ...places], { encoding: 'utf-8' }).stdout).toBe('');
    expect(notifications(root)).toEqual([]);
    pipeline.close();
  }, 60_000);

  /** A file over the full-scan size (16 MiB), so Validate checks only its first rows: row 150 000 is bad. */
  const largeWithBadNote = (root: string, badNote: string): string =>
    writeCsv(
      root,
      'orders-large.csv',
      orders(1, 200_000, (n) => ordersLine(n, n === 150_000 ? badNote : `"padding for the size of the file, row ${n} of many"`)),
    );

  it('a NUL byte late in a large file: every row accounted for, the bad one in the rejects file with its line', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const file = largeWithBadNote(root, '"a\u0000b"');

    // Act
    const [result] = await runFiles(pipeline, [file], {});

    // Assess: 1 bad record in 200 000 is under the warn ratio; it starts on line 150 001.
    expect(result.status).toBe('SUCCESS');
    expect(result.rowsIn).toBe(Number(result.rowsOut) + Number(result.duplicatesRemoved) + Number(result.malformedRows));
    expect(result.malformedRows).toBe(1);
    const rejects = readFileSync(pipeline.bucket.pathOf(`logs/glue-jobs/orders/${result.executionName}.rejects.csv`), 'utf-8');
    const loaded = new Set((await readParquet(path.join(pipeline.bucket.dir, 'load', 'orders'), 'dt=*/*.parquet')).map((r) => String(r.order_id)));
    const lost = Array.from({ length: 200_000 }, (_, i) => `ORD-2026-${String(i + 1).padStart(7, '0')}`).filter(
      (id) => !loaded.has(id) && !rejects.includes(id),
    );
    expect(lost).toEqual([]);
    expect(rejects.split('\n')[1]).toMatch(/^150001,row: a text value holds a control character,.*ORD-2026-0150000/);
    pipeline.close();
  }, 120_000);

  it('an unterminated quote late in a large file: the file refused with the line, nothing loaded, the input kept', async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const file = largeWithBadNote(root, '"this note never ends');

    // Act
    const [result] = await runFiles(pipeline, [file], {});

    // Assess: the quote swallows the next record (its note's opening quote closes it); counting
    // that as one bad row would lose a row, so the file is refused.
    expect({ status: result.status, error: result.error }).toEqual({
      status: 'FAILURE',
      error: { name: 'MalformedCsvError', message: expect.stringMatching(/^line 150001: .*holds a line break followed by a whole record/) },
    });
    expect(existsSync(path.join(pipeline.bucket.dir, 'load', 'orders'))).toBe(false);
    expect(existsSync(pipeline.bucket.pathOf('extract/orders-large.csv'))).toBe(true);
    pipeline.close();
  }, 120_000);
});
