/**
 * `--engine spark`: the Transform state runs glue/etl_runner.py on local PySpark 3.5. The same
 * file through both engines (the fast path off, so that the Glue job's stand-in runs) prints the
 * same outcome line but for the engine it names, and writes the same rows; without the
 * Python environment the CLI says which command creates it (exit 2, one line).
 */
import path from 'node:path';

import { etl } from '../helpers/cli';
import { glueRouteConfig } from '../helpers/fast-path-config';
import { readParquet, sample, tempRoot } from '../helpers/local-root';

/** The outcome line without the engine (and why) and the duration, which differ between engines. */
const outcome = (line: string): string => line.replace(/\s+[\d.]+s$/, '').replace(/ {2}via \w+(?: \([^)]*\))? {2}/, '  ');

describe('etl run --engine spark', () => {
  it('prints the outcome line of the default engine, and the Parquet reads back with the same rows', async () => {
    // Prepare
    const roots = { duckdb: tempRoot(), spark: tempRoot() };
    const file = sample('orders-with-duplicates.csv');
    const config = glueRouteConfig(roots.duckdb);

    // Act
    const duckdb = await etl(['run', file, '--root', roots.duckdb, '--config', config]);
    const spark = await etl(['run', file, '--root', roots.spark, '--config', config, '--engine', 'spark']);

    // Assess
    expect(spark.code).toBe(duckdb.code);
    expect(spark.out.map(outcome)).toEqual(duckdb.out.map(outcome));
    expect(spark.out[0]).toMatch(/^WARNING .*rows 38 in → 30 out \(duplicates 8, malformed 0\)/);
    expect(spark.out[0]).toContain('  via spark (--engine)  ');
    expect(duckdb.out[0]).toContain('  via duckdb (fast path off)  ');
    const rows = async (root: string) =>
      (await readParquet(path.join(root, 'bucket', 'load', 'orders'), 'dt=*/*.parquet'))
        .map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)))
        .sort();
    const sparkRows = await rows(roots.spark);
    expect(sparkRows).toHaveLength(30);
    expect(sparkRows).toEqual(await rows(roots.duckdb));
  }, 180_000);

  it('without the Python environment: exit 2, one line naming the command that creates it', async () => {
    // Act
    const { code, out, err } = await etl(['run', sample('orders-clean.csv'), '--root', tempRoot(), '--engine', 'spark'], { ETL_PYTHON: '/nonexistent/python' });

    // Assess
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringMatching(/^etl: the Spark engine needs the project's Python environment .*run `npm run python-env`/)]);
  });

  it('refuses an unknown engine as a usage error', async () => {
    // Act
    const { code, err } = await etl(['run', sample('orders-clean.csv'), '--root', tempRoot(), '--engine', 'glue']);

    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--engine.*glue.*duckdb, spark/);
  });
});
