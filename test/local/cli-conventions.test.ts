/**
 * The CLI's conventions: with --json, stdout carries only JSON lines (errors too, same exit
 * codes) for every command that takes --json; one resolver finds the config (--config >
 * ETL_CONFIG > etl.config.json in the working directory > the project's); etl validate.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { CONFIG_FILE_NAME, resolveConfig } from '../../local/cli/config-file';
import { buildProgram } from '../../local/cli/main';
import { DEFAULT_CONFIG_PATH } from '../../local/runtime/local-pipeline';
import { etl } from '../helpers/cli';
import { PROJECT_ROOT, sample, tempRoot, writeCsv } from '../helpers/local-root';

const ETL = path.join(PROJECT_ROOT, 'bin', 'etl.js');

/** Every stdout line parsed as JSON (a line that is not JSON fails the test). */
const jsonLines = (out: readonly string[]): unknown[] => out.map((line) => JSON.parse(line) as unknown);

/** The full names of the commands that take --json (`executions list`, …). */
function commandsWithJson(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [...(sub.options.some((o) => o.long === '--json') ? [name] : []), ...commandsWithJson(sub, `${name} `)];
  });
}

/** Runs `etl watch --json` until it has printed `results` lines, then stops it with Ctrl-C. */
async function watchJson(root: string, drop: () => void, results: number): Promise<{ code: number | null; out: string[]; err: string }> {
  const child: ChildProcess = spawn(process.execPath, [ETL, 'watch', '--root', root, '--json', '--stable-ms', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`watch printed no results in time; stderr: ${err}`)), 45_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      const before = err;
      err += chunk.toString();
      if (!before.includes('watching ') && err.includes('watching ')) drop();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').filter(Boolean).length >= results) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGINT');
  return { code: await exited, out: out.split('\n').filter(Boolean), err };
}

describe('--json: stdout carries only JSON lines, errors too', () => {
  it('is offered by exactly the commands this suite runs', () => {
    // Act
    const names = commandsWithJson(buildProgram({ out: () => undefined, err: () => undefined }));

    // Assess
    expect(names.sort()).toEqual(['executions list', 'executions redrive', 'executions show', 'infer', 'query', 'run', 'validate', 'watch']);
  });

  it('run, executions list / show / redrive, validate, query: success and error, every stdout line JSON, exit codes kept', async () => {
    // Prepare
    const root = tempRoot();
    const failedRoot = tempRoot();
    const badConfig = writeCsv(root, 'bad.json', '{"datasets": []}');

    // Act
    const runs = {
      run: await etl(['run', sample('orders-clean.csv'), '--root', root, '--json']),
      runMissing: await etl(['run', path.join(root, 'nope.csv'), '--root', root, '--json']),
      runUnknownOption: await etl(['run', '--frobnicate', '--json']),
      list: await etl(['executions', 'list', '--root', root, '--json']),
      listBadStatus: await etl(['executions', 'list', '--root', root, '--status', 'NOPE', '--json']),
      show: undefined as Awaited<ReturnType<typeof etl>> | undefined,
      showMissing: await etl(['executions', 'show', 'no-such-execution', '--root', root, '--json']),
      failed: await etl(['run', sample('orders-clean.csv'), '--root', failedRoot, '--fault', 'TransformInLambda=fail', '--json']),
      redrive: undefined as Awaited<ReturnType<typeof etl>> | undefined,
      redriveSucceeded: undefined as Awaited<ReturnType<typeof etl>> | undefined,
      validate: await etl(['validate', '--json']),
      validateInvalid: await etl(['validate', '--config', badConfig, '--json']),
      validateMissing: await etl(['validate', '--config', path.join(root, 'missing.json'), '--json']),
      query: await etl(['query', 'SELECT count(*) AS n FROM orders', '--root', root, '--json']),
      queryMany: await etl(['query', 'SELECT 1 AS a; SELECT 2 AS b', '--root', root, '--json']),
      queryBad: await etl(['query', 'SELEC 1', '--root', root, '--json']),
      queryNone: await etl(['query', '--root', root, '--json']),
      infer: await etl(['infer', sample('orders-clean.csv'), '--dataset', 'inferred', '--json']),
      inferMissing: await etl(['infer', path.join(root, 'nope.csv'), '--json']),
    };
    const name = (jsonLines(runs.run.out)[0] as { executionName: string }).executionName;
    const failedName = (jsonLines(runs.failed.out)[0] as { executionName: string }).executionName;
    runs.show = await etl(['executions', 'show', name, '--root', root, '--json']);
    runs.redrive = await etl(['executions', 'redrive', failedName, '--root', failedRoot, '--json']);
    runs.redriveSucceeded = await etl(['executions', 'redrive', name, '--root', root, '--json']);

    // Assess: every stdout line of every run is JSON
    const parsed = Object.fromEntries(Object.entries(runs).map(([key, r]) => [key, jsonLines(r?.out ?? [])]));
    const codes = Object.fromEntries(Object.entries(runs).map(([key, r]) => [key, r?.code]));
    expect(codes).toEqual({
      run: 0,
      runMissing: 2,
      runUnknownOption: 2,
      list: 0,
      listBadStatus: 2,
      show: 0,
      showMissing: 1,
      failed: 1,
      redrive: 0,
      redriveSucceeded: 1,
      validate: 0,
      validateInvalid: 1,
      validateMissing: 2,
      query: 0,
      queryMany: 0,
      queryBad: 1,
      queryNone: 2,
      infer: 0,
      inferMissing: 2,
    });
    const error = (name: string, message: RegExp) => [{ error: { name, message: expect.stringMatching(message) } }];
    expect(parsed.runMissing).toEqual(error('UsageError', /nope\.csv: no such file/));
    expect(parsed.runUnknownOption).toEqual(error('UsageError', /unknown option '--frobnicate'/));
    expect(parsed.listBadStatus).toEqual(error('UsageError', /--status.*NOPE/));
    expect(parsed.showMissing).toEqual(error('ExecutionNotFoundError', /no execution named no-such-execution/));
    expect(parsed.redriveSucceeded).toEqual(error('ExecutionNotRedrivableError', /has no failed state to resume at/));
    expect(parsed.validateInvalid).toEqual(error('ConfigError', /bad\.json is invalid:\n {2}datasets: declare at least one dataset/));
    expect(parsed.validateMissing).toEqual(error('UsageError', /--config .*missing\.json: no such file/));
    expect(parsed.queryBad).toEqual(error('QueryFailedError', /^Parser Error: syntax error/));
    expect(parsed.queryNone).toEqual(error('UsageError', /no SQL given/));
    expect(parsed.inferMissing).toEqual(error('UsageError', /nope\.csv/));
    expect(parsed.infer).toEqual([expect.objectContaining({ datasets: [expect.objectContaining({ name: 'inferred' })] })]);
    expect(parsed.run[0]).toMatchObject({ status: 'SUCCESS' });
    expect(parsed.list).toEqual([expect.objectContaining({ name, status: 'SUCCEEDED' })]);
    expect(parsed.show[0]).toMatchObject({ execution: { name } });
    expect(parsed.failed[0]).toMatchObject({ status: 'FAILURE' });
    expect(parsed.redrive[0]).toMatchObject({ status: 'SUCCESS', executionName: failedName });
    expect(parsed.query).toEqual([{ n: '40' }]);
    expect(parsed.queryMany).toEqual([
      { statement: 1, rows: [{ a: 1 }] },
      { statement: 2, rows: [{ b: 2 }] },
    ]);
    // Errors go to stdout alone: nothing on stderr but the redrive's progress line.
    expect(Object.entries(runs).filter(([key, r]) => key !== 'redrive' && (r?.err.length ?? 0) > 0)).toEqual([]);
  });

  it('watch --json: results on stdout as JSON, the banner on stderr; an error as JSON', async () => {
    // Prepare
    const root = tempRoot();
    mkdirSync(path.join(root, 'bucket', 'extract'), { recursive: true });
    const aFile = writeCsv(tempRoot(), 'not-a-folder', 'x');

    // Act
    const watched = await watchJson(root, () => copyFileSync(sample('orders-clean.csv'), path.join(root, 'bucket', 'extract', 'orders-clean.csv')), 1);
    const refused = await etl(['watch', '--root', aFile, '--json']);

    // Assess
    expect(watched.code).toBe(0);
    expect(jsonLines(watched.out)).toEqual([expect.objectContaining({ status: 'SUCCESS', inputKey: 'extract/orders-clean.csv' })]);
    expect(watched.err).toMatch(/^watching .*bucket\/extract \(config .*etl\.config\.json \((working directory|project)\); Ctrl-C to stop\)$/m);
    expect(refused.code).toBe(2);
    expect(jsonLines(refused.out)).toEqual([{ error: { name: 'UsageError', message: expect.stringMatching(/not-a-folder: not a folder/) } }]);
  });
});

describe('config discovery: --config > ETL_CONFIG > etl.config.json in the working directory > the project’s', () => {
  /** A folder holding a valid config whose one dataset is called `name`. */
  function configDir(name: string): { dir: string; file: string } {
    const dir = tempRoot();
    const document = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf-8')) as { datasets: { name: string }[] };
    document.datasets[0].name = name;
    const file = path.join(dir, CONFIG_FILE_NAME);
    writeFileSync(file, JSON.stringify(document));
    return { dir, file };
  }

  it('resolves in that order, a relative path from the working directory', () => {
    // Prepare
    const cwd = configDir('in_cwd');
    const env = configDir('in_env');
    const option = configDir('in_option');
    const empty = tempRoot();

    // Act
    const resolved = [
      resolveConfig(option.file, { ETL_CONFIG: env.file }, cwd.dir),
      resolveConfig(undefined, { ETL_CONFIG: path.relative(cwd.dir, env.file) }, cwd.dir),
      resolveConfig(undefined, {}, cwd.dir),
      resolveConfig(undefined, {}, empty),
    ];

    // Assess
    expect(resolved).toEqual([
      { path: option.file, source: '--config' },
      { path: env.file, source: 'ETL_CONFIG' },
      { path: cwd.file, source: 'working directory' },
      { path: DEFAULT_CONFIG_PATH, source: 'project' },
    ]);
    expect(() => resolveConfig(undefined, { ETL_CONFIG: 'missing.json' }, empty)).toThrow(/^ETL_CONFIG=missing\.json: no such file$/);
    expect(() => resolveConfig('missing.json', {}, empty)).toThrow(/^--config missing\.json: no such file$/);
  });

  it('the bin uses the working directory’s etl.config.json, or ETL_CONFIG, and validate says which', () => {
    // Prepare
    const cwd = configDir('from_cwd');
    const env = configDir('from_env');
    const run = (extraEnv: Record<string, string>) => {
      const environment: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
      if (!('ETL_CONFIG' in extraEnv)) delete environment.ETL_CONFIG;
      return spawnSync(process.execPath, [ETL, 'validate', '--json'], { cwd: cwd.dir, env: environment, encoding: 'utf-8' });
    };

    // Act
    const fromCwd = run({});
    const fromEnv = run({ ETL_CONFIG: env.file });
    const text = spawnSync(process.execPath, [ETL, 'validate'], { cwd: cwd.dir, env: { ...process.env, ETL_CONFIG: '' }, encoding: 'utf-8' });

    // Assess
    expect([fromCwd.status, fromEnv.status, text.status]).toEqual([0, 0, 0]);
    expect(JSON.parse(fromCwd.stdout)).toMatchObject({ config: { path: cwd.file, source: 'working directory' }, datasets: [{ name: 'from_cwd' }] });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ config: { path: env.file, source: 'ETL_CONFIG' }, datasets: [{ name: 'from_env' }] });
    expect(text.stdout.split('\n')[0]).toBe(`config: ${cwd.file} (working directory)`);
  });
});

describe('etl validate', () => {
  it('prints each dataset’s plan in both dialects: steps, metrics, output, latest', async () => {
    // Act
    const { code, out } = await etl(['validate']);
    const json = await etl(['validate', '--json']);

    // Assess
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(out[0]).toMatch(/^config: .*etl\.config\.json \((working directory|project)\)$/);
    expect(text).toContain('valid: 1 dataset (orders)');
    for (const dialect of ['duckdb', 'spark']) expect(text).toContain(`  ${dialect} plan:`);
    // A CRLF inside a value stored as LF, spelled chr(13) || chr(10) in both dialects (no raw line break in the plan).
    expect(text).toMatch(/step etl_typed \(materialized\):\n {6}SELECT [^\n]*(\n[^\n]*)?replace\("order_id", chr\(13\) \|\| chr\(10\), chr\(10\)\)/);
    expect(text).toMatch(/step etl_typed \(materialized\):\n {6}SELECT [^\n]*(\n[^\n]*)?replace\(`order_id`, chr\(13\) \|\| chr\(10\), chr\(10\)\)/);
    for (const block of ['metrics:', 'output:', 'latest:']) expect(out.filter((l) => l === `    ${block}`)).toHaveLength(2);
    const document = JSON.parse(json.out[0]) as { valid: boolean; datasets: { name: string; plans: Record<string, { dialect: string; latestSql: string }> }[] };
    expect(document.valid).toBe(true);
    expect(Object.keys(document.datasets[0].plans)).toEqual(['duckdb', 'spark']);
    expect(document.datasets[0].plans.spark.latestSql).toContain('`order_ts` DESC NULLS LAST');
  });

  it('an invalid config: its ConfigError list on stderr, exit 1', async () => {
    // Prepare
    const file = writeCsv(tempRoot(), 'etl.json', '{"datasets": [{"name": "x", "match": "load/*", "columns": [{"name": "dt", "type": "int"}]}]}');

    // Act
    const { code, out, err } = await etl(['validate', '--config', file]);

    // Assess
    expect(code).toBe(1);
    expect(out).toEqual([`config: ${file} (--config)`]);
    expect(err.join('\n')).toMatch(/^etl: .*etl\.json is invalid:\n {2}datasets\[0\]\.match: must start with "extract\/"/);
    expect(err.join('\n')).toContain('datasets[0].columns[0].type: unknown type "int"');
  });
});
