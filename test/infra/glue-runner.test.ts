/**
 * The Glue runner, as far as it can be checked without PySpark: the scripts compile, the helpers'
 * unittest suite passes, the helpers agree with their TypeScript counterparts in core/, and the
 * deployment ships the runner and the Spark plans compiled from the configuration.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { HeaderMismatchError } from '../../core/errors';
import { inputId } from '../../core/naming';
import { evaluateQuality } from '../../core/quality';
import type { RowCounts } from '../../core/run-report';
import { compileTransformPlan } from '../../core/transform/compile-plan';
import { matchHeader } from '../../core/validation/header';
import { ROOT, synthPipeline } from './synth-pipeline';

const GLUE = path.join(ROOT, 'glue');
let pycache: string;

beforeAll(() => {
  // Keep compiled bytecode out of the source tree.
  pycache = mkdtempSync(path.join(tmpdir(), 'etl-pycache-'));
});

afterAll(() => {
  rmSync(pycache, { recursive: true, force: true });
});

function python(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('python3', args, { cwd: ROOT, input, encoding: 'utf-8', env: { ...process.env, PYTHONPYCACHEPREFIX: pycache, PYTHONDONTWRITEBYTECODE: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Calls a function of glue/etl_helpers.py on JSON arguments and returns its JSON result. */
function helper(name: string, ...args: unknown[]): unknown {
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(GLUE)})`,
    'import etl_helpers as h',
    'name, args = json.load(sys.stdin)',
    'try:',
    '    print(json.dumps({"ok": getattr(h, name)(*args)}))',
    'except h.EtlError as e:',
    '    print(json.dumps({"error": {"name": e.name, "message": str(e)}}))',
  ].join('\n');
  const result = python(['-c', script], JSON.stringify([name, args]));
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe('the scripts', () => {
  it.each(['etl_runner.py', 'etl_helpers.py'])('python3 -m py_compile glue/%s exits 0', (file) => {
    const result = python(['-m', 'py_compile', `glue/${file}`]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('python3 -m unittest discover -s glue/tests exits 0', () => {
    const result = python(['-m', 'unittest', 'discover', '-s', 'glue/tests']);
    expect(result.stderr).toMatch(/\nOK\s*$/);
    expect(result.status).toBe(0);
  });
});

describe('glue/etl_helpers.py agrees with core/', () => {
  it.each(['extract/orders.csv', 'extract/2024/05/orders 1+2.csv', 'extract/ünïcode/ørders.csv'])('input_id(%j) is inputId', (key) => {
    expect(helper('input_id', key)).toEqual({ ok: inputId(key) });
  });

  const quality = {
    malformedRowRatio: { warn: 0.0001, fail: 0.1 },
    duplicateRatio: { warn: 0.1, fail: 0.9 },
    volumeChangeRatio: { warn: 0.5 },
    emptyAfterDedupe: 'fail' as const,
  };
  const cases: [string, RowCounts, number | undefined, typeof quality][] = [
    ['clean run', { rowsIn: 100, malformedRows: 0, exactDuplicates: 0, keyDuplicates: 0, rowsOut: 100 }, 100, quality],
    ['malformed fail + volume warn', { rowsIn: 1000, malformedRows: 150, exactDuplicates: 10, keyDuplicates: 5, rowsOut: 835 }, 400, quality],
    ['tiny malformed ratio (3 decimals)', { rowsIn: 7000, malformedRows: 1, exactDuplicates: 0, keyDuplicates: 0, rowsOut: 6999 }, undefined, quality],
    ['everything duplicated', { rowsIn: 10, malformedRows: 0, exactDuplicates: 4, keyDuplicates: 6, rowsOut: 0 }, 0, quality],
    ['empty after dedupe as warning', { rowsIn: 3, malformedRows: 3, exactDuplicates: 0, keyDuplicates: 0, rowsOut: 0 }, 12, { ...quality, emptyAfterDedupe: 'warn' as never }],
    ['no thresholds', { rowsIn: 8, malformedRows: 4, exactDuplicates: 2, keyDuplicates: 1, rowsOut: 1 }, 3, { malformedRowRatio: {}, duplicateRatio: {}, volumeChangeRatio: {}, emptyAfterDedupe: 'fail' } as never],
  ];
  it.each(cases)('evaluate_quality is evaluateQuality: %s', (_name, counts, previous, config) => {
    expect(helper('evaluate_quality', counts, previous ?? null, config)).toEqual({ ok: evaluateQuality(counts, previous, config as never) });
  });

  it('match_header names a mismatch as matchHeader does', () => {
    // Prepare
    const dataset = {
      name: 'orders',
      columns: [
        { name: 'order_id', required: true },
        { name: 'quantity', required: true },
        { name: 'notes', required: false },
      ],
    };
    const header = ['order_id', 'notes', 'notes', 'Quantity', 'extra "x"'];
    let expected: unknown;
    try {
      matchHeader(header, dataset as never);
    } catch (e: unknown) {
      expected = { error: { name: (e as HeaderMismatchError).name, message: (e as HeaderMismatchError).message } };
    }

    // Act
    const actual = helper('match_header', header, dataset.name, dataset.columns);

    // Assess
    expect(expected).toBeDefined();
    expect(actual).toEqual(expected);
  });
});

describe('the deployment of scripts/', () => {
  let outdir: string;
  let config: ReturnType<typeof synthPipeline>['stack']['config'];

  beforeAll(() => {
    const { app, stack } = synthPipeline({ bundle: false });
    outdir = app.outdir;
    config = stack.config;
  });

  /** The staged asset directories holding a given relative file. */
  const assetsWith = (relative: string): string[] =>
    readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => path.join(outdir, d))
      .filter((d) => existsSync(path.join(d, relative)));

  it('ships the runner and its helpers, without the tests', () => {
    // Act
    const [glueAsset, ...others] = assetsWith('etl_runner.py');

    // Assess
    expect(others).toEqual([]);
    expect(readdirSync(glueAsset).sort()).toEqual(['etl_helpers.py', 'etl_runner.py']);
  });

  it.each(['orders'])('ships plans/%s.json: the Spark compile of the configured dataset', (name) => {
    // Prepare
    const dataset = config.datasets.find((d) => d.name === name);
    const [planAsset] = assetsWith(path.join('plans', `${name}.json`));

    // Act
    const shipped = JSON.parse(readFileSync(path.join(planAsset, 'plans', `${name}.json`), 'utf-8')) as unknown;

    // Assess
    expect(dataset).toBeDefined();
    expect(shipped).toEqual(JSON.parse(JSON.stringify(compileTransformPlan(dataset as never, 'spark'))));
  });
});
