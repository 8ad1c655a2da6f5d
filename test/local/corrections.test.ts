/**
 * Corrections (`reuploads: "replace"`): a file uploaded again under its key replaces its earlier
 * load — in the table (`load/<dataset>/dt=…/part-<load id>-<n>.parquet`, the stale files removed)
 * and in the dataset's state, which is then recomputed from the whole table: a row the correction
 * replaced leaves the state, a key whose only rows were replaced away leaves it too. Through the
 * local CLI's runtime on each route: the fast path (TransformInLambda's DuckDB transform), the
 * Glue job's local stand-in (DuckDB) and the Glue job on Spark (glue/etl_runner.py).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { runReportKey } from '../../core/naming';
import { type RunReport, runReportSchema } from '../../core/run-report';
import { main } from '../../local/cli/main';
import type { EngineName } from '../../local/runtime/engines/glue-job';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { readParquet, tempRoot, writeCsv } from '../helpers/local-root';

/** A dataset whose re-uploads replace the earlier load: key id, the latest by ts. */
function fixesConfig(dir: string, fastPathMaxBytes: number): string {
  const file = path.join(dir, 'etl.config.corrections.json');
  const dataset = {
    name: 'fixes',
    match: 'extract/**/f*.csv',
    reuploads: 'replace',
    fastPathMaxBytes,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'v', type: 'string' },
      { name: 'ts', type: 'timestamp' },
    ],
    dedupe: { keys: ['id'], keepLatestBy: 'ts' },
    partitioning: { by: 'ingestion_date' },
    quality: { malformedRowRatio: { fail: 0.1 }, duplicateRatio: {}, volumeChangeRatio: {}, emptyAfterDedupe: 'fail' },
  };
  writeFileSync(file, JSON.stringify({ datasets: [dataset] }, null, 2));
  return file;
}

const ROUTES: readonly { route: string; engine: EngineName; fastPathMaxBytes: number; reportEngine: string }[] = [
  { route: 'the fast path', engine: 'duckdb', fastPathMaxBytes: 1024 * 1024, reportEngine: 'lambda' },
  { route: 'the Glue job (local stand-in, DuckDB)', engine: 'duckdb', fastPathMaxBytes: 0, reportEngine: 'duckdb' },
  { route: 'the Glue job on Spark', engine: 'spark', fastPathMaxBytes: 0, reportEngine: 'spark' },
];

describe.each(ROUTES)('a correction replaces its load in the table and in the state ($route)', ({ engine, fastPathMaxBytes, reportEngine }) => {
  it('f.csv (1 old, 2 dropped), then f.csv again (1 zz-corrected, same ts): fixes_latest and the table hold 1 zz-corrected only', async () => {
    // Prepare
    const root = tempRoot();
    const configPath = fixesConfig(root, fastPathMaxBytes);
    const pipeline = new LocalPipeline({ root, engine, configPath });
    const upload = async (text: string, time: string) => {
      pipeline.put(writeCsv(root, 'f.csv', text), 'extract/f.csv');
      const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent('extract/f.csv', new Date(time)));
      return pipeline.waitFor(triggered.started[0].executionName);
    };

    try {
      // Act
      const first = await upload('id,v,ts\n1,old,2026-11-24T10:00:00Z\n2,dropped,2026-11-24T10:00:00Z\n', '2026-11-24T06:00:00Z');
      const before = await query(root, configPath, 'select id, v from fixes_latest order by id');
      const corrected = await upload('id,v,ts\n1,zz-corrected,2026-11-24T10:00:00Z\n', '2026-11-25T06:00:00Z');

      // Assess: both runs succeeded on the route asked for
      expect([first.status, corrected.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(before).toEqual([
        { id: 1, v: 'old' },
        { id: 2, v: 'dropped' },
      ]);
      expect([first, corrected].map((run) => reportOf(pipeline, run.name).engine)).toEqual([reportEngine, reportEngine]);
      // … the state: the corrected row only (the replaced row and the key replaced away are gone)
      expect(await query(root, configPath, 'select id, v from fixes_latest order by id')).toEqual([{ id: 1, v: 'zz-corrected' }]);
      // … the table: the correction only, in its day; the first day's file removed
      expect(await query(root, configPath, 'select id, v, dt from fixes order by id')).toEqual([{ id: 1, v: 'zz-corrected', dt: '2026-11-25' }]);
      const table = await readParquet(pipeline.bucket.pathOf('load/fixes'), 'dt=*/*.parquet');
      expect(table.map((r) => [Number(r.id), r.v])).toEqual([[1, 'zz-corrected']]);
    } finally {
      pipeline.close();
    }
  }, 240_000);
});

/** The run report of an execution. */
function reportOf(pipeline: LocalPipeline, executionName: string): RunReport {
  return runReportSchema.parse(JSON.parse(readFileSync(pipeline.bucket.pathOf(runReportKey('fixes', executionName)), 'utf-8')));
}

/** The rows `etl query --json` prints, numbers as numbers. */
async function query(root: string, configPath: string, sql: string): Promise<Record<string, unknown>[]> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['query', sql, '--root', root, '--config', configPath, '--json'], { out: (line) => out.push(line), err: (line) => err.push(line) });
  expect({ code, err }).toEqual({ code: 0, err: [] });
  return out.map((line) => JSON.parse(line) as Record<string, unknown>);
}
