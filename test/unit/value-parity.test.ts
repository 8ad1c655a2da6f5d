/**
 * Validate and the transform plan read values alike: on every value-format case of the
 * differential suite, the rows Validate calls malformed are the rows the DuckDB plan rejects (the
 * differential suite holds Spark and the fast path to DuckDB), and the plan's typed values are
 * the expected ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { type DatasetConfig, getDataset, parseConfig } from '../../core/config/dataset-config';
import { compileTransformPlan, RUNNER_INPUTS } from '../../core/transform/compile-plan';
import { validateCsv } from '../../core/validation/validate-csv';
import { DIFFERENTIAL_CASES, VALUE_DATASETS } from '../differential/cases';

const config = parseConfig({ datasets: VALUE_DATASETS });
const cases = DIFFERENTIAL_CASES.filter((c) => c.name.startsWith('values: '));
const work = mkdtempSync(path.join(os.tmpdir(), 'value-parity-'));
let db: DuckDBConnection;

beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The plan over the file in DuckDB: each row's id and reject reason (null when loaded) and typed values. */
async function runPlan(dataset: DatasetConfig, file: string): Promise<{ rejected: string[]; rows: string[] }> {
  const columns = dataset.columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
  await db.run(
    `CREATE OR REPLACE TEMP VIEW ${RUNNER_INPUTS.raw} AS SELECT * FROM read_csv('${file}', header = true, auto_detect = false, columns = {${columns}}, quote = '"', escape = '"')`,
  );
  const plan = compileTransformPlan(dataset, 'duckdb');
  const typed = plan.steps[0];
  await db.run(`CREATE OR REPLACE TEMP TABLE ${typed.name} AS ${typed.sql}`);
  const rejected = (await db.runAndReadAll(`SELECT json_extract_string(record, '$.id') AS id, reject_reason FROM (${plan.rejectsSql}) ORDER BY 1`))
    .getRowObjectsJS()
    .map((r) => `${String(r.id)}: ${String(r.reject_reason)}`);
  const names = dataset.columns.map((c) =>
    c.type.kind === 'timestamp' ? `strftime(timezone('UTC', "${c.name}"), '%Y-%m-%dT%H:%M:%S.%fZ')` : `CAST("${c.name}" AS VARCHAR)`,
  );
  const rows = (
    await db.runAndReadAll(
      `SELECT concat_ws('|', ${names.map((n) => `coalesce(${n}, '∅')`).join(', ')}) AS row FROM ${typed.name} WHERE _etl_reject_reason IS NULL ORDER BY 1`,
    )
  )
    .getRowObjectsJS()
    .map((r) => String(r.row));
  return { rejected, rows };
}

describe('Validate and the DuckDB plan agree on the value-format cases', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    // Prepare
    const dataset = getDataset(config, c.dataset as string);
    const file = path.join(work, 'input.csv');
    const bytes = Buffer.from(c.content);
    writeFileSync(file, bytes);

    // Act
    const report = await validateCsv(Readable.from([bytes]), dataset, bytes.length);
    const plan = await runPlan(dataset, file);

    // Assess: the same number of malformed rows, and each issue of Validate names a rejected row
    expect({ malformed: report.malformedRows }).toEqual({ malformed: plan.rejected.length });
    expect({ name: c.name, rejected: plan.rejected, rows: plan.rows, issues: report.issues }).toMatchSnapshot();
  });
});
