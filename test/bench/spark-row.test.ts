/**
 * The bench's Spark row (bench/spark.ts) on a small generated file: without the Python environment
 * it is not measured and says why; with it, the first run and the warm runs are kept apart and
 * every run's counts are the generator's. No timing is asserted.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { expectCounts, expectedTransformCounts } from '../../bench/checks';
import { generateOrders } from '../../bench/generate';
import { WORK_DIR } from '../../bench/paths';
import { compareSpark } from '../../bench/spark';

describe('bench Spark row', () => {
  const dir = path.join(WORK_DIR, `spark-row-test-${process.pid}`);
  const saved = process.env.ETL_PYTHON;
  let counts: ReturnType<typeof generateOrders>;

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    counts = generateOrders(path.join(dir, 'orders.csv'), 2_000);
  });

  afterEach(() => {
    if (saved === undefined) delete process.env.ETL_PYTHON;
    else process.env.ETL_PYTHON = saved;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without the Python environment: not measured, with the reason, nothing run', async () => {
    // Prepare
    process.env.ETL_PYTHON = '/nonexistent/python';
    const runs: string[] = [];

    // Act
    const result = await compareSpark(counts.file, '2GB', 1, (run) => runs.push(run.kind));

    // Assess
    expect(result).toEqual({ measured: false, reason: expect.stringMatching(/Python environment .*\/nonexistent\/python not found.*npm run python-env/) });
    expect(runs).toEqual([]);
  });

  it('with it: a first run, then a DuckDB job run and a warm Spark run, all with the right counts', async () => {
    // Act
    const result = await compareSpark(counts.file, '2GB', 1);

    // Assess
    if (!result.measured) throw new Error(`not measured: ${result.reason}`);
    const runs = [result.first, ...result.duckdb.runs, ...result.spark.runs];
    expect(runs.map((run) => run.kind)).toEqual(['spark:first', 'job', 'spark']);
    for (const run of runs) expect(expectCounts(run.kind, { ...run }, expectedTransformCounts(counts))).toMatchObject({ ok: true });
    expect(result.first.reportedMs).toBeLessThan(result.first.ms);
    expect(result.spark.completed).toBe(true);
  }, 180_000);
});
