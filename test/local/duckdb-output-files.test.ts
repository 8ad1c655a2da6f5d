/**
 * Few files (issue 22.3): the DuckDB transform writes at most one Parquet file per output
 * partition per ~128 MB. A small dataset spread over more dates than DuckDB keeps files open
 * (`partitioned_write_max_open_files`, 100 by default) once came out as up to two files per date:
 * the window's output reaches the partitioned write from each thread in turn.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseConfig } from '../../core/config/dataset-config';
import { inputId, runReportKey } from '../../core/naming';
import { DuckDbGlueJob } from '../../local/runtime/engines/duckdb-job';
import { FolderBucket } from '../../local/runtime/folder-bucket';

const work = mkdtempSync(path.join(os.tmpdir(), 'etl-duckdb-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DATES = 252;
const ROWS = 4100;

/** Files under each `dt=` folder of `dir`. */
function filesPerPartition(dir: string): Map<string, number> {
  return new Map(
    readdirSync(dir)
      .filter((p) => p.startsWith('dt='))
      .map((p) => [p, readdirSync(path.join(dir, p)).filter((f) => f.endsWith('.parquet')).length]),
  );
}

describe('DuckDB output files (issue 22.3)', () => {
  it(`writes one file per date partition: ${ROWS} rows over ${DATES} dates, 2 threads`, async () => {
    const bucket = new FolderBucket(path.join(work, 'root'));
    const config = parseConfig({
      datasets: [
        {
          name: 'events',
          match: 'extract/**',
          columns: [
            { name: 'event_id', type: 'integer' },
            { name: 'day', type: 'date' },
            { name: 'label', type: 'string', nullable: true },
          ],
          dedupe: { keys: ['event_id'] },
          partitioning: { by: 'column', column: 'day' },
        },
      ],
    });
    const job = new DuckDbGlueJob(bucket, config, 'etl-transformation-job', { threads: 2 });
    const key = 'extract/events.csv';
    mkdirSync(path.dirname(bucket.pathOf(key)), { recursive: true });
    const day = (i: number): string => new Date(Date.UTC(2026, 0, 1) + (i % DATES) * 86_400_000).toISOString().slice(0, 10);
    const lines = Array.from({ length: ROWS }, (_, i) => `${i},${day(i)},label ${i}`);
    writeFileSync(bucket.pathOf(key), `event_id,day,label\n${lines.join('\n')}\n`);
    const report = await job.run({
      '--bucket': bucket.name,
      '--input_key': key,
      '--input_version_id': 'null',
      '--load_id': inputId(key),
      '--dataset': 'events',
      '--execution_name': 'files-1',
      '--ingestion_date': '2026-11-24',
      '--report_key': runReportKey('events', 'files-1'),
    });
    expect(report.JobRunState).toBe('SUCCEEDED');
    const perPartition = filesPerPartition(bucket.pathOf('load/events'));
    expect(perPartition.size).toBe(DATES);
    const split = [...perPartition].filter(([, files]) => files !== 1);
    expect(split).toEqual([]);
    // The state's first version copies the load's files: as many.
    const versions = bucket.pathOf('load/latest/events/versions');
    const [version] = readdirSync(versions);
    expect(readdirSync(path.join(versions, version)).filter((f) => f.endsWith('.parquet'))).toHaveLength(DATES);
  });
});
