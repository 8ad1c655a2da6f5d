/**
 * Issue 20's acceptance: real files as they come load with no cleaning. For each real-world file
 * (test/corpus/real-world.ts) and each file of samples/: `etl infer` writes the dataset (valid
 * against etl.config.schema.json), `etl run --config` loads the file with no malformed row, and
 * `etl query --json` returns the exact values (decimals exact, dates right, `€` intact) — on the
 * fast path (the default for small files), on the Glue job's DuckDB stand-in (fastPathMaxBytes 0)
 * and on Spark (`--engine spark`, fastPathMaxBytes 0). One config holds every inferred dataset
 * (their globs are disjoint), so each engine loads all the files in one `etl run`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'csv-parse/sync';

import { type JsonValue, REAL_WORLD_FILES, writeRealWorldFile } from '../corpus/real-world';
import { etl } from '../helpers/cli';
import { PROJECT_ROOT, sample, tempRoot } from '../helpers/local-root';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const validateSchema = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.schema.json'), 'utf-8')) as Record<string, unknown>,
);

/** A dataset document as `etl infer` prints it. */
type DatasetDocument = Record<string, unknown> & { name: string; columns: { name: string; type: string; nullable?: boolean }[] };

/** One file to load: where infer reads it, where it is loaded from, and the rows a query must return. */
interface LoadCase {
  readonly title: string;
  readonly inferPath: string;
  readonly loadPath: string;
  readonly edit?: (dataset: Record<string, unknown>) => void;
  /** The expected rows, from the inferred dataset (samples: computed from the CSV). */
  readonly rows: (dataset: DatasetDocument) => readonly Record<string, JsonValue>[];
}

/** The rows a sample loads: its CSV records typed as the inferred dataset says, exact duplicates removed. */
function sampleRows(file: string, dataset: DatasetDocument): Record<string, JsonValue>[] {
  const records = parse(readFileSync(file, 'utf-8'), { columns: true }) as Record<string, string>[];
  const typed = records.map((record) => {
    const values = Object.values(record);
    return Object.fromEntries(
      dataset.columns.map((column, i): [string, JsonValue] => {
        const text = values[i];
        if (text === '') return [column.name, null];
        const decimal = /^decimal\(\d+,(\d+)\)$/.exec(column.type);
        if (decimal) {
          const [whole, fraction = ''] = text.split('.');
          return [column.name, `${whole}.${fraction.padEnd(Number(decimal[1]), '0')}`];
        }
        if (column.type === 'integer' || column.type === 'double') return [column.name, Number(text)];
        if (column.type === 'timestamp') return [column.name, new Date(text).toISOString().replace(/\.000Z$/, 'Z')];
        return [column.name, text];
      }),
    );
  });
  return [...new Map(typed.map((row) => [JSON.stringify(row), row])).values()];
}

/** Rows in a fixed order, whatever the query's. */
const sorted = (rows: readonly Record<string, JsonValue>[]): string[] => rows.map((row) => JSON.stringify(row)).sort();

/** The load cases, their files written into `dir`. */
function loadCases(dir: string): LoadCase[] {
  mkdirSync(path.join(dir, 'infer'), { recursive: true });
  mkdirSync(path.join(dir, 'load'), { recursive: true });
  const realWorld = REAL_WORLD_FILES.map((file): LoadCase => ({
    title: file.title,
    inferPath: writeRealWorldFile(path.join(dir, file.inferFrom ? 'infer' : 'load'), file, 'infer'),
    loadPath: writeRealWorldFile(path.join(dir, 'load'), file, 'load'),
    edit: file.editDataset,
    rows: () => file.rows,
  }));
  const samples = readdirSync(path.join(PROJECT_ROOT, 'samples'))
    .filter((name) => name.endsWith('.csv'))
    .sort()
    .map((name): LoadCase => ({
      title: `samples/${name}`,
      inferPath: sample(name),
      loadPath: sample(name),
      rows: (dataset) => sampleRows(sample(name), dataset),
    }));
  return [...realWorld, ...samples];
}

/** What each case got through infer, run and query on one engine. */
interface CaseResult {
  readonly dataset?: DatasetDocument;
  readonly inferError?: string;
  readonly run?: Record<string, unknown>;
  readonly runError?: string;
  readonly rows?: Record<string, JsonValue>[];
  readonly queryError?: string;
}

/** The engines: how each is asked for, and what the run result names. */
const ENGINES = [
  { name: 'fast path (TransformInLambda)', fastPathMaxBytes: undefined, args: [] as string[], engine: 'lambda' },
  { name: 'Glue stand-in (DuckDB)', fastPathMaxBytes: 0, args: [] as string[], engine: 'duckdb' },
  { name: 'Spark (--engine spark)', fastPathMaxBytes: 0, args: ['--engine', 'spark'], engine: 'spark' },
] as const;

describe.each(ENGINES)('real files on $name: etl infer → etl run → etl query', (engine) => {
  const dir = tempRoot();
  const root = path.join(dir, 'root');
  const cases = loadCases(dir);
  const results = new Map<string, CaseResult>();

  beforeAll(async () => {
    // Infer each file; one config holds every dataset.
    const datasets: DatasetDocument[] = [];
    for (const c of cases) {
      const { code, out, err } = await etl(['infer', c.inferPath, '--json']);
      if (code !== 0) {
        results.set(c.title, { inferError: `exit ${code}: ${[...out, ...err].join(' ')}` });
        continue;
      }
      const document = JSON.parse(out[0]) as { datasets: DatasetDocument[] };
      if (!validateSchema(document)) {
        results.set(c.title, { inferError: `not valid against etl.config.schema.json: ${JSON.stringify(validateSchema.errors)}` });
        continue;
      }
      const [dataset] = document.datasets;
      c.edit?.(dataset);
      if (engine.fastPathMaxBytes !== undefined) dataset.fastPathMaxBytes = engine.fastPathMaxBytes;
      datasets.push(dataset);
      results.set(c.title, { dataset });
    }
    const config = path.join(dir, 'etl.config.json');
    writeFileSync(config, JSON.stringify({ datasets }, null, 2));
    const loadable = cases.filter((c) => results.get(c.title)?.dataset);

    // Run them all in one etl run (one Spark worker); if it stops short (a usage error), one by one.
    const runs = new Map<string, Record<string, unknown>>();
    const all = await etl(['run', ...loadable.map((c) => c.loadPath), '--root', root, '--config', config, '--json', ...engine.args]);
    for (const line of all.out) {
      const outcome = JSON.parse(line) as Record<string, unknown>;
      if (typeof outcome.inputKey === 'string') runs.set(path.basename(outcome.inputKey), outcome);
    }
    for (const c of loadable) {
      const result = results.get(c.title) as CaseResult;
      let run = runs.get(path.basename(c.loadPath));
      if (!run) {
        const one = await etl(['run', c.loadPath, '--root', root, '--config', config, '--json', ...engine.args]);
        const outcome = one.out.length > 0 ? (JSON.parse(one.out[0]) as Record<string, unknown>) : undefined;
        if (!outcome || ('error' in outcome && !('status' in outcome))) {
          results.set(c.title, { ...result, runError: `exit ${one.code}: ${[...one.out, ...one.err].join(' ')}` });
          continue;
        }
        run = outcome;
      }
      const columns = result.dataset?.columns.map((column) => `"${column.name}"`).join(', ') ?? '*';
      const query = await etl(['query', `SELECT ${columns} FROM ${result.dataset?.name}`, '--root', root, '--config', config, '--json']);
      results.set(
        c.title,
        query.code === 0
          ? { ...result, run, rows: query.out.map((line) => JSON.parse(line) as Record<string, JsonValue>) }
          : { ...result, run, queryError: query.out.join(' ') },
      );
    }
  }, 900_000);

  it.each(cases.map((c) => [c.title, c] as const))('%s', (title, c) => {
    const result = results.get(title) ?? {};
    expect(result.inferError).toBeUndefined();
    expect(result.runError).toBeUndefined();
    const run = result.run ?? {};
    // The status, error and counts together, so that a failure shows why.
    expect({ status: run.status, error: run.error ?? null, malformedRows: run.malformedRows, engine: run.engine }).toEqual({
      status: expect.stringMatching(/^(SUCCESS|WARNING)$/),
      error: null,
      malformedRows: 0,
      engine: engine.engine,
    });
    expect(result.queryError).toBeUndefined();
    expect(sorted(result.rows ?? [])).toEqual(sorted(c.rows(result.dataset as DatasetDocument)));
  });
});
