/**
 * The bad-input corpus (`test/corpus/cases.ts`) through the local pipeline, once on the fast path
 * (TransformInLambda, the corpus's files being small) and once on the Glue route with
 * glue/etl_runner.py on PySpark (the fast path off). The Glue route's DuckDB stand-in runs the fast
 * path's own transform (the differential suite holds the two equal on every corpus file, and
 * fast-path-routes.test.ts runs that route end to end), so it is not run a third time here. Each case is uploaded
 * under its own key and announced by the S3 event the trigger receives; the test asserts the
 * outcome, the error name, the notifications and where the input is afterwards. Globally: no
 * crash, no input missing, nothing written outside the bucket.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { lastRunReportKey, utcDate } from '../../core/naming';
import { runResult } from '../../local/shared/run-result';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { objectCreatedEvent } from '../../local/runtime/s3-event';
import { STATE } from '../../statemachine/definition';
import { CASES, CORPUS_FILES, type CorpusCase, type InputEndsIn } from '../corpus/cases';
import { glueRouteConfig } from '../helpers/fast-path-config';
import { hasUploadCopy, notifications, tempRoot } from '../helpers/local-root';

/** What one case came to, as observed from the outside. */
interface Observed {
  readonly status: 'SUCCESS' | 'WARNING' | 'FAILURE' | 'SKIPPED';
  readonly errorName: string | undefined;
  /** Topic of each execution's outcome. */
  readonly topics: readonly string[];
  /** Execution statuses as stored (SUCCEEDED / FAILED) with the Fail state's error. */
  readonly executions: readonly { readonly status: string; readonly error: string | null }[];
  readonly notifications: number;
  /** Every place the input was found, `['not-created']` when none and none expected, `[]` when missing. */
  readonly inputFoundAt: readonly InputEndsIn[];
  readonly malformedRows: number | null;
  readonly rowsOut: number | null;
  /** Whether load/ holds files named after this input. */
  readonly loaded: boolean;
  /** Whether the Validate step only sampled the file (`null` when it did not report). */
  readonly sampled: boolean | null;
}

const TOPIC_OF = { SUCCESS: 'etl-job-success', WARNING: 'etl-job-warning', FAILURE: 'etl-job-failure' } as const;
/** What the local runtime may create in its root; anything else was written outside the bucket. */
const ROOT_ENTRIES = new Set(['bucket', 'executions.sqlite', 'executions.sqlite-wal', 'executions.sqlite-shm', 'tmp', 'versions']);

/** The fast path, then the Glue job on Spark with the fast path off (fastPathMaxBytes 0). */
const ROUTES = [
  { route: 'the fast path (TransformInLambda)', engine: 'duckdb' as const, fastPath: true },
  { route: 'the Glue job, engine spark', engine: 'spark' as const, fastPath: false },
];

// Every route: the outcome of every case is the same whichever transform runs.
describe.each(ROUTES)('bad-input corpus through the local pipeline, $route', ({ engine, fastPath }) => {
  let root: string;
  let generated: string;
  let pipeline: LocalPipeline;
  /** Cases whose run threw (a crash of the pipeline, not an outcome). */
  const crashes: string[] = [];
  /** Cases whose input was found nowhere afterwards. */
  const missing: string[] = [];

  beforeAll(() => {
    root = tempRoot();
    generated = mkdtempSync(path.join(os.tmpdir(), 'etl-corpus-'));
    // One deployment for the whole corpus (building one costs ~0.5 s); each case has its own key.
    // The config beside the generated files: nothing but the runtime's own may be in the root.
    pipeline = new LocalPipeline({ root, engine, configPath: fastPath ? undefined : glueRouteConfig(generated) });
  });
  afterAll(() => {
    pipeline.close();
    rmSync(generated, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  const bucketPath = (key: string): string => path.join(pipeline.bucket.dir, key);

  /** The S3 event record for a key that is not (cannot be) in the bucket, the key sent verbatim. */
  const rawEvent = (encodedKey: string): object =>
    objectCreatedEvent({ bucket: pipeline.bucket.name, encodedKey, size: 1024, sequencer: '0065A1B2C3D4E5F601' });

  /** Where the input of `c` is now: in place, archived or rejected (under any of `dates`). */
  function inputLocations(c: CorpusCase, dates: readonly string[]): InputEndsIn[] {
    if (c.rawEventKey !== undefined) {
      // The key is not a bucket key; nothing may exist where it would resolve to.
      return existsSync(path.resolve(pipeline.bucket.dir, c.key)) ? ['in-place'] : ['not-created'];
    }
    const found: InputEndsIn[] = [];
    if (existsSync(bucketPath(c.key))) found.push('in-place');
    if (c.key.startsWith('extract/')) {
      const below = c.key.slice('extract/'.length);
      if (dates.some((d) => hasUploadCopy(pipeline.bucket.dir, `extract/archived/${d}/${below}`))) found.push('archived');
      if (dates.some((d) => hasUploadCopy(pipeline.bucket.dir, `extract/rejected/${d}/${below}`))) found.push('rejected');
    }
    return found;
  }

  /** Whether load/orders/ holds a partition file written for one of these loads. */
  function loadedFor(loadIds: readonly string[]): boolean {
    const loadDir = bucketPath('load/orders');
    if (!existsSync(loadDir)) return false;
    return readdirSync(loadDir)
      .filter((entry) => entry.startsWith('dt='))
      .some((partition) => readdirSync(path.join(loadDir, partition)).some((file) => loadIds.some((id) => file.startsWith(`part-${id}-`))));
  }

  async function runCase(c: CorpusCase): Promise<Observed> {
    // Each case is judged on its own: the volume-change check must not compare it with the
    // previous case's row count.
    rmSync(bucketPath(lastRunReportKey('orders')), { force: true });
    const notificationsBefore = notifications(root).length;
    const dates = [utcDate(new Date())];

    let event: object;
    if (c.rawEventKey !== undefined) {
      event = rawEvent(c.rawEventKey);
    } else {
      const file = c.file !== undefined ? path.join(CORPUS_FILES, c.file) : (c.generate as (dir: string) => string)(generated);
      for (const other of c.alsoPresent ?? []) pipeline.put(path.join(CORPUS_FILES, other.file), other.key);
      pipeline.put(file, c.key);
      event = await pipeline.objectCreatedEvent(c.key);
    }

    const triggered = await pipeline.deliver(event);
    const names = [...triggered.started, ...triggered.duplicates].map((s) => s.executionName);
    const results = [];
    const executions = [];
    let sampled: boolean | null = null;
    for (const name of names) {
      const record = await pipeline.waitFor(name);
      const events = pipeline.store.events(name);
      executions.push({ status: record.status, error: record.error });
      results.push(runResult(record, events));
      const validated = events.find((e) => e.type === 'StateExited' && e.state === STATE.Validate);
      const report = (validated?.detail as { state?: { output?: { validation?: { sampled?: boolean } } } } | null)?.state?.output?.validation;
      sampled = report?.sampled ?? sampled;
    }
    dates.push(utcDate(new Date()));

    const first = results[0];
    const skipError = /^(\w+Error):/.exec(triggered.skipped[0]?.reason ?? '')?.[1];
    return {
      status: first ? first.status : 'SKIPPED',
      errorName: first ? first.error?.name : skipError,
      topics: results.map((r) => r.topic),
      executions,
      notifications: notifications(root).length - notificationsBefore,
      inputFoundAt: inputLocations(c, dates),
      malformedRows: first?.malformedRows ?? null,
      rowsOut: first?.rowsOut ?? null,
      loaded: c.rawEventKey === undefined && loadedFor(names.map((name) => (pipeline.store.get(name)?.input as { loadId: string }).loadId)),
      sampled,
    };
  }

  function assess(c: CorpusCase, observed: Observed): void {
    const { expected } = c;
    expect(observed.status).toBe(expected.status);
    expect(observed.errorName).toBe(expected.errorName);
    expect(observed.notifications).toBe(expected.notifications);
    expect(observed.inputFoundAt).toEqual([expected.inputEndsIn]);
    if (expected.status === 'SKIPPED') {
      expect(observed.executions).toHaveLength(0);
    } else {
      // One execution, its outcome on the status's topic (bad input never reaches etl-critical-alerts).
      expect(observed.topics).toEqual([TOPIC_OF[expected.status]]);
      expect(observed.executions).toEqual([
        expected.status === 'FAILURE' ? { status: 'FAILED', error: expected.errorName } : { status: 'SUCCEEDED', error: null },
      ]);
    }
    expect(observed.loaded).toBe(expected.status === 'SUCCESS' || expected.status === 'WARNING');
    if (expected.malformedRows !== undefined) expect(observed.malformedRows).toBe(expected.malformedRows);
    if (expected.rowsOut !== undefined) expect(observed.rowsOut).toBe(expected.rowsOut);
    if (expected.sampled !== undefined) expect(observed.sampled).toBe(expected.sampled);
  }

  it('the corpus has at least 30 cases, each with a unique name and key', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => c.key)).size).toBe(CASES.length);
    for (const c of CASES) {
      expect([c.file, c.generate, c.rawEventKey].filter((x) => x !== undefined)).toHaveLength(1);
      if (c.file) expect(existsSync(path.join(CORPUS_FILES, c.file))).toBe(true);
    }
  });

  for (const c of CASES) {
    const expected = c.expected;
    const title =
      `${c.name} → ${expected.status}${expected.errorName ? ` ${expected.errorName}` : ''}, ` +
      `input ${expected.inputEndsIn}, ${expected.notifications} notification${expected.notifications === 1 ? '' : 's'}` +
      (c.defect ? ' [known defect: fails today]' : '');
    const test = c.defect ? it.failing : it;
    test(title, async () => {
      let observed: Observed;
      try {
        observed = await runCase(c);
      } catch (e: unknown) {
        crashes.push(`${c.name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        throw e;
      }
      if (observed.inputFoundAt.length === 0) missing.push(c.name);
      assess(c, observed);
    });
  }

  it('globally: 0 crashes, 0 inputs missing, every execution ended, nothing written outside the bucket', async () => {
    await pipeline.idle();
    expect(crashes).toEqual([]);
    expect(missing).toEqual([]);
    const others = CASES.flatMap((c) => c.alsoPresent ?? []);
    expect(others.filter((o) => !existsSync(bucketPath(o.key)))).toEqual([]);
    expect(pipeline.store.list().filter((r) => r.status !== 'SUCCEEDED' && r.status !== 'FAILED')).toEqual([]);
    expect(readdirSync(root).filter((entry) => !ROOT_ENTRIES.has(entry))).toEqual([]);
  });
});
