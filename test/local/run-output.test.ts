/**
 * What `etl run` says happened (issue 23): which engine ran and why (`--engine` forces the Glue
 * route on that engine, else the size rule), a duplicate upload said to be one (also after an
 * incompatible config change, and for an execution a killed process left ABORTED, with its
 * redrive command), counts that add up for a refused file, the durations of the attempt and of
 * the execution after a redrive, and the progress line: on stderr only, only when asked or on a
 * terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { runReportKey } from '../../core/naming';
import { watchBucket } from '../../local/cli/watch';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { formatDuplicateOf } from '../../local/shared/run-result';
import { describeStage } from '../../local/cli/progress';
import { progressOf } from '../../handlers/transform/duckdb-progress';
import { etl } from '../helpers/cli';
import { configWithFastPath } from '../helpers/fast-path-config';
import { PROJECT_ROOT, sample, tempRoot, writeCsv } from '../helpers/local-root';

const ETL = path.join(PROJECT_ROOT, 'bin', 'etl.js');

/** The CLI as a user runs it (its bundle), with `env` added; stdout and stderr as they were written. */
function etlProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ETL, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An orders file of `rows` distinct orders whose record at data row `quoteAt` opens a quote nothing closes. */
function unterminatedQuote(dir: string, rows: number, quoteAt: number): string {
  const [header, first] = readFileSync(sample('orders-clean.csv'), 'utf-8').split('\n');
  const rest = first.slice(first.indexOf(','), first.lastIndexOf(','));
  const lines = [header];
  for (let i = 1; i <= rows; i += 1) lines.push(`Q-${i}${rest},${i === quoteAt ? '"never closed' : 'note'}`);
  return writeCsv(dir, 'orders-quote.csv', `${lines.join('\n')}\n`);
}

/** An orders file of `rows` orders whose rows after `goodRows` have a quantity that is not a number. */
function tooManyMalformed(dir: string, rows: number, goodRows: number): string {
  const [header, first] = readFileSync(sample('orders-clean.csv'), 'utf-8').split('\n');
  const fields = first.split(',');
  const lines = [header];
  for (let i = 1; i <= rows; i += 1) lines.push([`M-${i}`, ...fields.slice(1, 4), i > goodRows ? 'many' : '1', ...fields.slice(5)].join(','));
  return writeCsv(dir, 'orders-malformed.csv', `${lines.join('\n')}\n`);
}

/**
 * The config with Validate checking only the first rows of a file (as it samples a large one),
 * so that the transform is the first to meet a quote nothing closes further down.
 */
function sampledValidation(dir: string, fastPathMaxBytes = 128 * 1024 * 1024): string {
  return configWithFastPath(dir, fastPathMaxBytes, (dataset) => {
    dataset.validation = { fullScanMaxBytes: 1024, sampleRows: 5 };
  });
}

/**
 * Uploads orders-clean.csv under `key` in a process killed (SIGKILL) as its execution enters
 * `state` (test/helpers/killed-run.ts): the execution is left RUNNING, its process gone.
 */
function killedRun(root: string, key: string, state: string): void {
  const child = spawnSync(process.execPath, [
    '-r',
    'tsx/cjs',
    path.join(PROJECT_ROOT, 'test', 'helpers', 'killed-run.ts'),
    root,
    sample('orders-clean.csv'),
    key,
    state,
  ]);
  expect(child.signal).toBe('SIGKILL');
}

/** The run report of the file's execution. */
function reportOf(root: string, executionName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(root, 'bucket', runReportKey('orders', executionName)), 'utf-8')) as Record<string, unknown>;
}

describe('etl run: which engine and why', () => {
  it('without --engine the size rule decides and says why; --engine duckdb takes the Glue route for a small file', async () => {
    // Act
    const sized = await etl(['run', sample('orders-clean.csv'), '--root', tempRoot()]);
    const forced = await etl(['run', sample('orders-clean.csv'), '--root', tempRoot(), '--engine', 'duckdb', '--json']);

    // Assess
    expect(sized.out[0]).toMatch(/ {2}via lambda \(5\.6 KiB ≤ fast path 128 MiB\) {2}→ etl-job-success/);
    expect(JSON.parse(forced.out[0])).toMatchObject({ status: 'SUCCESS', engine: 'duckdb', engineReason: '--engine' });
  });

  it('a file above its threshold goes to the Glue job, and the line says so', async () => {
    // Prepare: a threshold below the sample's 5.6 KiB
    const root = tempRoot();
    const config = configWithFastPath(root, 4096);

    // Act
    const { out } = await etl(['run', sample('orders-clean.csv'), '--root', root, '--config', config]);

    // Assess
    expect(out[0]).toContain('  via duckdb (5.6 KiB > fast path 4 KiB)  ');
  });
});

describe('etl run: a duplicate upload says so', () => {
  it('the same bytes again: not run, "duplicate of <execution> (<status>, started <time>)", duplicateOf in --json', async () => {
    // Prepare
    const root = tempRoot();
    const [first] = (await etl(['run', sample('orders-with-duplicates.csv'), '--root', root, '--json'])).out.map((l) => JSON.parse(l));

    // Act
    const line = await etl(['run', sample('orders-with-duplicates.csv'), '--root', root]);
    const json = await etl(['run', sample('orders-with-duplicates.csv'), '--root', root, '--json']);

    // Assess
    expect(first.status).toBe('WARNING');
    expect(first).not.toHaveProperty('duplicateOf');
    expect(line.out).toEqual([
      expect.stringMatching(
        new RegExp(
          `^DUPLICATE {2}\\S+orders-with-duplicates\\.csv {2}duplicate of ${first.executionName} \\(SUCCEEDED, started \\S+Z\\): not run again; that execution ended WARNING$`,
        ),
      ),
    ]);
    const again = JSON.parse(json.out[0]);
    expect(again.duplicateOf).toEqual({
      executionName: first.executionName,
      status: 'SUCCEEDED',
      startDate: expect.any(String),
      stopDate: expect.any(String),
      redrive: null,
    });
    expect(again.executionName).toBe(first.executionName);
  });

  it('after an incompatible config change the same bytes print no WARNING as if run', async () => {
    // Prepare: loaded once; then the config changes a column's type (the schema guard would refuse it)
    const root = tempRoot();
    await etl(['run', sample('orders-with-duplicates.csv'), '--root', root]);
    const changed = configWithFastPath(root, 128 * 1024 * 1024, (dataset) => {
      const columns = dataset.columns as { name: string; type: string }[];
      columns.find((c) => c.name === 'quantity')!.type = 'string';
    });

    // Act
    const { out } = await etl(['run', sample('orders-with-duplicates.csv'), '--root', root, '--config', changed]);

    // Assess
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^DUPLICATE {2}/);
    expect(out[0]).not.toMatch(/^WARNING/);
  });

  it('an execution a killed process left (ABORTED) names its redrive command; the redrive labels both durations', async () => {
    // Prepare: a process killed (SIGKILL) as its execution enters the fast path's transform
    const root = tempRoot();
    killedRun(root, 'extract/orders-clean.csv', 'TransformInLambda');

    // Act: the same file again (as `etl watch` delivers what it finds at start)
    const { code, out } = await etl(['run', sample('orders-clean.csv'), '--root', root]);

    // Assess
    expect(code).toBe(1);
    const command = / that execution was interrupted: (etl executions redrive \S+ --root \S+)$/.exec(out[0])?.[1];
    expect(out[0]).toMatch(/^DUPLICATE {2}\S+ {2}duplicate of orders-orders-clean-\w+ \(ABORTED, started /);
    expect(command).toBeDefined();

    // Act: the command it names
    const redriven = await etl([...(command as string).split(' ').slice(1), '--json']);

    // Assess: this attempt's duration and the execution's, from its first start
    expect(redriven.code).toBe(0);
    const result = JSON.parse(redriven.out[0]);
    expect(result).toMatchObject({ status: 'SUCCESS', redriveCount: 1 });
    expect(result.attemptDurationMs).toBeLessThanOrEqual(result.durationMs);
    const shown = await etl(['executions', 'show', result.executionName, '--root', root]);
    expect(shown.out.join('\n')).toMatch(/attempt [\d.]+s \(redrive 1\), execution [\d.]+s since its first start/);
  }, 60_000);
});

describe('etl watch: an ABORTED execution found at start', () => {
  it('its file, still in extract/, is said to be a duplicate of it, with the command that redrives it', async () => {
    // Prepare: a watcher's process killed as its execution entered the transform
    const root = tempRoot();
    killedRun(root, 'extract/orders-clean.csv', 'TransformInLambda');
    const pipeline = new LocalPipeline({ root });
    const lines: string[] = [];
    const controller = new AbortController();

    // Act: the watcher started again delivers what extract/ holds
    const watching = watchBucket(
      pipeline,
      { onDuplicate: (key, _name, _archived, of) => (lines.push(`${key}: ${formatDuplicateOf(of)}`), controller.abort()) },
      controller.signal,
      { stableMs: 100 },
    );
    await watching;
    pipeline.close();

    // Assess
    expect(lines).toEqual([
      expect.stringMatching(
        /^extract\/orders-clean\.csv: duplicate of (orders-orders-clean-\w+) \(ABORTED, started \S+\): not run again; that execution was interrupted: etl executions redrive \1 --root \S+$/,
      ),
    ]);
  });
});

describe('etl run: counts add up for a refused file', () => {
  it.each([
    ['the fast path', [] as string[], 'lambda'],
    ['the Glue route (--engine duckdb)', ['--engine', 'duckdb'], 'duckdb'],
  ])('an unterminated quote on %s: rowsIn up to the refused record, 0 out, the rest not loaded', async (_route, args, engine) => {
    // Prepare: 20 data rows, the 15th opens a quote that swallows the 5 after it
    const root = tempRoot();
    const file = unterminatedQuote(root, 20, 15);
    const config = sampledValidation(root);
    const jsonRoot = tempRoot();

    // Act
    const line = await etl(['run', file, '--root', root, '--config', config, ...args]);
    const json = await etl(['run', file, '--root', jsonRoot, '--config', config, ...args, '--json']);

    // Assess: the line, the JSON and the run report agree, and each adds up
    expect(line.out[0]).toMatch(
      new RegExp(
        `^FAILURE .*rows 15 in \\(the records up to the refused one\\) → 0 out \\(duplicates 0, malformed 1, not loaded 14\\)  MalformedCsvError: line 16: .* via ${engine}`,
      ),
    );
    const result = JSON.parse(json.out[0]);
    expect(result).toMatchObject({
      status: 'FAILURE',
      rowsIn: 15,
      rowsOut: 0,
      malformedRows: 1,
      duplicatesRemoved: 0,
      rowsNotLoaded: 14,
      rowsInExtent: 'toRefusal',
      engine,
    });
    const report = reportOf(jsonRoot, result.executionName);
    expect(report).toMatchObject({ status: 'FAILED', rowsIn: 15, rowsOut: 0, rowsNotLoaded: 14, rowsInExtent: 'toRefusal' });
    expect(report.rowsIn).toBe(Number(report.rowsOut) + Number(report.duplicatesRemoved) + Number(report.malformedRows) + Number(report.rowsNotLoaded));
  });
});

describe('etl run: the rejects file', () => {
  it('words each reason as core does, ends with a newline, and is the same bytes from the fast path and the Glue stand-in', async () => {
    // Prepare: 20 good orders (lines 2–21), one whose quantity is not a number (22), one short a field (23)
    const root = tempRoot();
    const [header, first] = readFileSync(sample('orders-clean.csv'), 'utf-8').split('\n');
    const fields = first.split(',');
    const lines = [header];
    for (let i = 1; i <= 20; i += 1) lines.push([`R-${i}`, ...fields.slice(1)].join(','));
    lines.push(['R-21', ...fields.slice(1, 4), 'x', ...fields.slice(5)].join(','));
    lines.push(['R-22', ...fields.slice(1, -1)].join(','));
    const file = writeCsv(root, 'orders-rejects.csv', `${lines.join('\n')}\n`);

    // Act
    const rejects: string[] = [];
    for (const args of [[], ['--engine', 'duckdb']]) {
      const runRoot = tempRoot();
      const result = JSON.parse((await etl(['run', file, '--root', runRoot, '--json', ...args])).out[0]);
      expect(result).toMatchObject({ status: 'WARNING', malformedRows: 2, engine: args.length === 0 ? 'lambda' : 'duckdb' });
      rejects.push(readFileSync(path.join(runRoot, 'bucket', 'logs', 'glue-jobs', 'orders', `${result.executionName}.rejects.csv`), 'utf-8'));
    }

    // Assess: REJECT_REASONS.notOfType and .fieldCount (core/rejects.ts), one row per reject, the last line ended
    const [fastPath, glue] = rejects;
    expect(glue).toBe(fastPath);
    expect(fastPath.endsWith('\n')).toBe(true);
    expect(fastPath.split('\n').map((l) => /^(\d+),("[^"]*"|[^,]*),/.exec(l)?.slice(1, 3).join(' '))).toEqual([
      undefined,
      '22 quantity: not an integer',
      '23 "record: 10 fields, expected 11"',
      undefined,
    ]);
  });
});

describe('etl run --engine spark (the acceptance of issue 23)', () => {
  it('reports "engine":"spark" for a small file and counts that add up for a refused one; the same bytes again report duplicateOf', async () => {
    // Prepare: 20 rows, the last 5 malformed (25% > the fail threshold of 10%), past the 5 Validate samples
    const root = tempRoot();
    const refused = tooManyMalformed(root, 20, 15);
    const config = sampledValidation(root);

    // Act: one process, one Spark worker for both files
    const first = await etl(['run', '--json', '--engine', 'spark', sample('orders-with-duplicates.csv'), refused, '--root', root, '--config', config]);
    const again = await etl(['run', '--json', '--engine', 'spark', sample('orders-with-duplicates.csv'), '--root', root]);

    // Assess
    const [loaded, failed] = first.out.map((l) => JSON.parse(l));
    expect(loaded).toMatchObject({ status: 'WARNING', engine: 'spark', engineReason: '--engine', rowsIn: 38, rowsOut: 30 });
    const counts = { rowsIn: 20, rowsOut: 0, malformedRows: 5, duplicatesRemoved: 0, rowsNotLoaded: 15, rowsInExtent: 'all' };
    expect(failed).toMatchObject({ status: 'FAILURE', engine: 'spark', error: { name: 'QualityThresholdError' }, ...counts });
    expect(reportOf(root, failed.executionName)).toMatchObject({ engine: 'spark', status: 'FAILED', ...counts });
    expect(JSON.parse(again.out[0]).duplicateOf).toMatchObject({ executionName: loaded.executionName, status: 'SUCCEEDED' });
  }, 240_000);
});

describe('etl run: progress', () => {
  it('with ETL_PROGRESS=1 the running states are on stderr and --json stdout is unchanged; ETL_PROGRESS=0 and a pipe show nothing', async () => {
    // Act
    const shown = await etlProcess(['run', sample('orders-clean.csv'), '--root', tempRoot(), '--json'], { ETL_PROGRESS: '1' });
    const off = await etlProcess(['run', sample('orders-clean.csv'), '--root', tempRoot(), '--json'], { ETL_PROGRESS: '0' });
    const piped = await etlProcess(['run', sample('orders-clean.csv'), '--root', tempRoot(), '--json'], {});

    // Assess
    for (const run of [shown, off, piped]) {
      expect(run.code).toBe(0);
      expect(
        run.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l).status),
      ).toEqual(['SUCCESS']);
    }
    expect(shown.stderr).toMatch(/orders-orders-clean-\w+: Validate · \d+s…/);
    expect(shown.stderr).toMatch(/: TransformInLambda · \d+s…/);
    expect(off.stderr).toBe('');
    expect(piped.stderr).toBe('');
  }, 60_000);

  it('names what a DuckDB statement does: reading the input (its share of the file in bytes), writing Parquet', () => {
    // Act / Assess
    expect(progressOf('CREATE TABLE etl_typed AS SELECT * FROM etl_raw GROUP BY ALL', 25, 1000)).toEqual({
      phase: 'reading the input',
      percent: 25,
      bytesRead: 250,
      bytesTotal: 1000,
    });
    expect(progressOf("COPY (SELECT 1) TO 'x' (FORMAT parquet)", 40, 1000)).toEqual({ phase: 'writing Parquet', percent: 40 });
    expect(progressOf('SELECT count(*) FROM etl_distinct', 10, 1000)).toEqual({ phase: 'transforming', percent: 10 });
    expect(progressOf('SELECT 1', -1, 1000)).toBeUndefined();
  });

  it('draws a state, the engine’s phase, bytes or rows read, and the time in the state', () => {
    // Prepare
    const since = Date.parse('2026-12-07T12:00:00Z');

    // Act / Assess
    expect(describeStage({ state: 'Validate', since }, since + 2000)).toBe('Validate · 2s…');
    expect(
      describeStage(
        { state: 'TransformInLambda', since, progress: { phase: 'reading the input', percent: 57.4, bytesRead: 107_000_000, bytesTotal: 187_000_000 } },
        since + 12_000,
      ),
    ).toBe('TransformInLambda · reading the input 57% (107.0 MB of 187.0 MB) · 12s…');
    expect(describeStage({ state: 'Transform', since, progress: { phase: 'Spark stage 34: parquet', percent: 50, rowsRead: 1_000_000 } }, since)).toBe(
      'Transform · Spark stage 34: parquet 50% (1,000,000 rows read) · 0s…',
    );
  });
});
