/**
 * The Glue runner in the project's Python environment (PySpark 3.5, Glue 5.0's awsglue
 * interfaces): its pytest suite runs the job on real local Spark from Glue's argv; ruff lints it;
 * the helpers agree with their TypeScript counterparts in core/; the deployment ships the runner,
 * its modules and the Spark plans, and the job's arguments resolve through `getResolvedOptions`.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import { parseConfig } from '../../core/config/dataset-config';
import { HeaderMismatchError } from '../../core/errors';
import { inputId, lastRunReportKey, legacyLastRunReportKey } from '../../core/naming';
import { GLUE_JOB } from '../../core/pipeline-steps';
import { evaluateQuality } from '../../core/quality';
import type { RowCounts } from '../../core/run-report';
import { compileTransformPlan } from '../../core/transform/compile-plan';
import { matchHeader } from '../../core/validation/header';
import { pythonInterpreter } from '../../local/runtime/engines/python-env';
import { GLUE_MODULE_KEYS } from '../../infra/constructs/transform-job';
import { STATE, parseDefinition, readAslText } from '../../statemachine/definition';
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

function python(args: readonly string[], input?: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(pythonInterpreter(), args, {
    cwd: ROOT,
    input,
    encoding: 'utf-8',
    env: { ...process.env, PYTHONPYCACHEPREFIX: pycache, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs Python lines with glue/ importable and `json`, `sys` imported; `input` on stdin. */
function glueScript(lines: readonly string[], input: string): { status: number | null; stdout: string; stderr: string } {
  return python(['-c', ['import json, sys', `sys.path.insert(0, ${JSON.stringify(GLUE)})`, ...lines].join('\n')], input);
}

/** Calls a function of a glue/ module (`'naming.input_id'`: glue/naming.py) on JSON arguments and returns its JSON result. */
function helper(name: string, ...args: unknown[]): unknown {
  const result = glueScript(
    [
      'import importlib',
      'from errors import EtlError',
      'name, args = json.load(sys.stdin)',
      'module, _, function = name.rpartition(".")',
      'try:',
      '    print(json.dumps({"ok": getattr(importlib.import_module(module), function)(*args)}))',
      'except EtlError as e:',
      '    print(json.dumps({"error": {"name": e.name, "message": str(e)}}))',
    ],
    JSON.stringify([name, args]),
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe('the scripts', () => {
  it("pytest glue/tests passes on PySpark 3.5: the entry point from Glue's argv, the runner on real Spark", () => {
    // Prepare: the plans as the deployment ships them
    const plans = mkdtempSync(path.join(tmpdir(), 'etl-plans-'));
    for (const dataset of synthPipeline({ bundle: false }).stack.config.datasets) {
      writeFileSync(path.join(plans, `${dataset.name}.json`), JSON.stringify(compileTransformPlan(dataset, 'spark')));
    }

    // Act
    const result = python(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'glue/tests'], undefined, { ETL_SPARK_PLANS_DIR: plans });
    rmSync(plans, { recursive: true, force: true });

    // Assess: every test ran (none skipped) and passed
    expect(result.stdout).toMatch(/\n(\d+) passed(, \d+ subtests passed)? in /);
    expect(result.stdout).not.toMatch(/skipped|failed|error/i);
    expect(result.status).toBe(0);
  }, 300_000);

  it('ruff check and ruff format --check pass on glue/', () => {
    const ruff = path.join(path.dirname(pythonInterpreter()), 'ruff');
    for (const args of [
      ['check', 'glue'],
      ['format', '--check', 'glue'],
    ]) {
      const result = spawnSync(ruff, args, { cwd: ROOT, encoding: 'utf-8' });
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/error|would reformat/i);
      expect(result.status).toBe(0);
    }
  });
});

describe('the modules of glue/ agree with their twins in core/', () => {
  it.each(['extract/orders.csv', 'extract/2024/05/orders 1+2.csv', 'extract/ünïcode/ørders.csv'])('input_id(%j) is inputId', (key) => {
    expect(helper('naming.input_id', key)).toEqual({ ok: inputId(key) });
  });

  it('last_run_report_key and its legacy key are lastRunReportKey and legacyLastRunReportKey', () => {
    expect(helper('naming.last_run_report_key', 'orders')).toEqual({ ok: lastRunReportKey('orders') });
    expect(helper('naming.legacy_last_run_report_key', 'orders')).toEqual({ ok: legacyLastRunReportKey('orders') });
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
    // One of each, in the singular (issue 23: "1 duplicate rows removed"): "1 duplicate row", "1 row out", "1 of 1 row"
    ['one duplicate, one row out', { rowsIn: 2, malformedRows: 0, exactDuplicates: 1, keyDuplicates: 0, rowsOut: 1 }, 4, quality],
    ['one row, malformed', { rowsIn: 1, malformedRows: 1, exactDuplicates: 0, keyDuplicates: 0, rowsOut: 0 }, undefined, quality],
    [
      'empty after dedupe as warning',
      { rowsIn: 3, malformedRows: 3, exactDuplicates: 0, keyDuplicates: 0, rowsOut: 0 },
      12,
      { ...quality, emptyAfterDedupe: 'warn' as never },
    ],
    [
      'no thresholds',
      { rowsIn: 8, malformedRows: 4, exactDuplicates: 2, keyDuplicates: 1, rowsOut: 1 },
      3,
      { malformedRowRatio: {}, duplicateRatio: {}, volumeChangeRatio: {}, emptyAfterDedupe: 'fail' } as never,
    ],
  ];
  it.each(cases)('evaluate_quality is evaluateQuality: %s', (_name, counts, previous, config) => {
    expect(helper('quality.evaluate_quality', counts, previous ?? null, config)).toEqual({ ok: evaluateQuality(counts, previous, config as never) });
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
    const actual = helper('header.match_header', header, dataset.name, dataset.columns);

    // Assess
    expect(expected).toBeDefined();
    expect(actual).toEqual(expected);
  });

  /** matchHeader's outcome as the Python helper reports it: each position's output name (null: ignored), or the error. */
  function tsMatch(header: string[], dataset: unknown): unknown {
    try {
      return { ok: matchHeader(header, dataset as never).map((c) => (c as { name?: string } | undefined)?.name ?? null) };
    } catch (e: unknown) {
      return { error: { name: (e as HeaderMismatchError).name, message: (e as HeaderMismatchError).message } };
    }
  }

  const sourced = [
    { name: 'order_id', source: 'Order ID', required: true },
    { name: 'unit_price', source: 'Unit Price (EUR)', required: true },
    { name: 'notes', source: 'Notes', required: false },
  ];
  it.each([
    ['sources matched, an extra column ignored', ['Unit Price (EUR)', 'Internal Ref', 'Order ID'], 'ignore'],
    ['an extra column refused, naming it', ['Order ID', 'Unit Price (EUR)', 'Internal Ref'], 'refuse'],
    ['output names are not sources', ['order_id', 'unit_price', 'Notes'], 'refuse'],
    ['repeated and missing sources', ['Order ID', 'Order ID'], 'ignore'],
  ] as const)('match_header matches sources and extra columns as matchHeader does: %s', (_name, header, extraColumns) => {
    // Prepare
    const dataset = { name: 'orders', columns: sourced, extraColumns };

    // Act
    const actual = helper('header.match_header', header, dataset.name, dataset.columns, extraColumns);

    // Assess
    expect(actual).toEqual(tsMatch([...header], dataset));
  });

  it("parse_plan reads the plan's dialect, sources and extraColumns as compileTransformPlan writes them", () => {
    // Prepare: a dataset declaring every reading option
    const document = JSON.parse(readFileSync(path.join(ROOT, 'etl.config.json'), 'utf-8')) as { datasets: Record<string, unknown>[] };
    const orders = document.datasets[0] as { columns: Record<string, unknown>[] };
    const dataset = parseConfig({
      datasets: [
        {
          ...orders,
          dialect: { delimiter: ';', quoteChar: "'", doubleQuote: false, escapeChar: '\\', header: true, skipRows: 2, encoding: 'iso-8859-1' },
          extraColumns: 'ignore',
          columns: orders.columns.map((c, i) => (i === 0 ? { ...c, source: 'Order ID' } : c)),
        },
      ],
    }).datasets[0];
    const plan = JSON.parse(JSON.stringify(compileTransformPlan(dataset, 'spark'))) as Record<string, unknown>;

    // Act
    const parsed = helper('plan.parse_plan', JSON.stringify(plan), 'orders') as { ok: Record<string, unknown> };

    // Assess: the plan carries them, and the runner reads them unchanged
    expect(plan.read).toEqual(expect.objectContaining({ delimiter: ';', skipRows: 2 }));
    expect(parsed.ok.read).toEqual(plan.read);
    expect(parsed.ok.extraColumns).toBe('ignore');
    expect((parsed.ok.columns as { source: string }[]).map((c) => c.source)).toEqual(dataset.columns.map((c) => c.source ?? c.name));
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

  it('ships the runner and every module --extra-py-files names, without the tests or the local worker', () => {
    // Act
    const [glueAsset, ...others] = assetsWith('etl_runner.py');

    // Assess
    expect(others).toEqual([]);
    const modules = GLUE_MODULE_KEYS.map((key) => path.posix.basename(key));
    expect(readdirSync(glueAsset).sort()).toEqual(['etl_runner.py', ...modules].sort());
    expect(modules).toEqual(
      expect.arrayContaining(['errors.py', 'naming.py', 'plan.py', 'header.py', 'rejects.py', 'quality.py', 's3_bucket.py', 'job_context.py']),
    );
  });

  it('the runner and its Glue seam import from what is shipped alone', () => {
    // Prepare
    const [glueAsset] = assetsWith('etl_runner.py');

    // Act: glue/ itself is not on the path, only the deployed files
    const result = python([
      '-c',
      [
        'import sys',
        `sys.path.insert(0, ${JSON.stringify(glueAsset)})`,
        'import etl_runner, job_context, s3_bucket',
        `print(sorted(n for n, m in sys.modules.items() if (getattr(m, "__file__", None) or "").startswith(${JSON.stringify(glueAsset)})))`,
      ].join('\n'),
    ]);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("'naming'");
  });

  it("the job's default arguments and the state machine's resolve through getResolvedOptions into the runner's", () => {
    // Prepare: the argv Glue builds from the deployed job and the Transform state's Arguments
    const { stack } = synthPipeline({ bundle: false });
    const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const job = Object.values(template.Resources).find((r) => r.Type === 'AWS::Glue::Job');
    const jobDefaults = (job?.Properties.DefaultArguments ?? {}) as Record<string, unknown>;
    const transform = parseDefinition(readAslText()).States[STATE.Transform];
    const stateArguments = transform.Type === 'Task' ? transform.Parameters?.Arguments : undefined;
    const runArguments = Object.keys(stateArguments ?? {}).map((name) => [name.replace(/\.\$$/, ''), 'value-from-the-execution']);
    const defaults = Object.entries(jobDefaults).map(([name, value]) => [name, typeof value === 'string' ? value : 's3://resolved-at-deploy']);
    const argv = ['script.py', '--JOB_ID', 'j_1', '--JOB_RUN_ID', 'jr_1', '--JOB_NAME', GLUE_JOB.jobName, ...defaults.flat(), ...runArguments.flat()];
    // Act
    const result = glueScript(
      [
        'from awsglue.utils import getResolvedOptions',
        'import etl_runner',
        'print(json.dumps(sorted(getResolvedOptions(json.load(sys.stdin), etl_runner.ARGUMENTS))))',
      ],
      JSON.stringify(argv),
    );

    // Assess: nothing the runner needs is missing (argparse would exit), JOB_RUN_ID comes from Glue
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(expect.arrayContaining(['JOB_RUN_ID', 'JOB_NAME', 'input_version_id', 'plans_prefix', 'report_key']));
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
