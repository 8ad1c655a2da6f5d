/**
 * Start-up of the deployed bundles (issue 21 item 4), standalone: `npx tsx bench/startup.ts
 * [--runs N]`. Each function is bundled with esbuild as `infra/constructs/pipeline-functions.ts`
 * has NodejsFunction bundle it (CommonJS, minified, a linked source map without sources, the AWS
 * SDK bundled, DuckDB beside the bundle, class names kept where the errors alarm needs them), and
 * loaded in fresh Node.js processes with the environment a function sees, the variants
 * interleaved run by run:
 *
 * - the fast path (`transform-in-lambda`) with and without `NODE_OPTIONS=--enable-source-maps`,
 *   which makes Node read and parse the bundle's source map while it loads the bundle;
 * - the trigger as CommonJS (the deploy before this change), from the packages' ES modules
 *   (`mainFields: ['module', 'main']`) still as CommonJS, and as an ES module (esbuild
 *   `format: 'esm'`, NodejsFunction `OutputFormat.ESM`: `index.mjs`).
 *
 * Three figures per start: the load itself (`require`/`import` of the bundle, timed inside the
 * process: what a Lambda cold start's init spends on our code); the first error after it (the
 * handler called with an event it refuses, up to the error's stack: with
 * `--enable-source-maps` Node parses the source map when it first formats a stack, so the
 * instance's first error pays for it, and so does any code that reads a stack while it
 * starts); and the process's whole wall time. Medians and 90th percentiles; this machine is
 * shared, so compare the variants of one run (interleaved), not runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { type BuildOptions, build } from 'esbuild';

import { FUNCTION_SPECS, type FunctionKey } from '../infra/constructs/pipeline-functions';
import { LAMBDA_ENV } from './lambda';
import { ROOT } from './paths';

/** One way of bundling and starting a function. */
interface Variant {
  readonly name: string;
  readonly key: FunctionKey;
  readonly format: 'cjs' | 'esm';
  readonly mainFields?: readonly string[];
  readonly nodeOptions?: string;
}

const VARIANTS: readonly Variant[] = [
  { name: 'fast path, CommonJS, --enable-source-maps', key: 'transformInLambda', format: 'cjs', nodeOptions: '--enable-source-maps' },
  { name: 'fast path, CommonJS, no source maps at run time', key: 'transformInLambda', format: 'cjs' },
  { name: 'trigger, CommonJS (main fields: main)', key: 'trigger', format: 'cjs' },
  { name: 'trigger, CommonJS from ES modules (main fields: module, main)', key: 'trigger', format: 'cjs', mainFields: ['module', 'main'] },
  { name: 'trigger, ES module (main fields: module, main)', key: 'trigger', format: 'esm', mainFields: ['module', 'main'] },
];

/**
 * What an ES-module bundle needs for the CommonJS packages inside it (the X-Ray SDK, …): esbuild
 * turns their `require` of Node's modules into a shim that throws without a real `require`.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __etlCreateRequire } from 'node:module'; const require = __etlCreateRequire(import.meta.url);";

/** Bundles a variant into `dir` as NodejsFunction would; returns the file and its source map's size. */
async function bundle(variant: Variant, dir: string): Promise<{ readonly file: string; readonly bytes: number; readonly mapBytes: number }> {
  const spec = FUNCTION_SPECS[variant.key];
  const file = path.join(dir, variant.format === 'esm' ? 'index.mjs' : 'index.js');
  const options: BuildOptions = {
    entryPoints: [path.join(ROOT, 'handlers', 'lambda', `${spec.entry}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: variant.format,
    outfile: file,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    keepNames: spec.failsOnDataVerdicts === true,
    external: spec.bundlesDuckDb ? ['@duckdb/node-api'] : [],
    ...(variant.mainFields ? { mainFields: [...variant.mainFields] } : {}),
    ...(variant.format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
    logLevel: 'error',
  };
  await build(options);
  return { file, bytes: statSync(file).size, mapBytes: statSync(`${file}.map`).size };
}

/** One start of a bundle in a fresh process: the load, the first error after it and the process's wall time, in ms. */
function start(variant: Variant, file: string): { readonly loadMs: number; readonly firstErrorMs: number; readonly wallMs: number } {
  const load = variant.format === 'esm' ? `await import(${JSON.stringify(pathToFileURL(file).href)})` : `require(${JSON.stringify(file)})`;
  const body =
    `const t = process.hrtime.bigint(); const m = ${load}; const e = process.hrtime.bigint();` +
    "if (typeof m.handler !== 'function') throw new Error('no handler');" +
    // An event the handler refuses: its error's stack, as the handler's log line reads it.
    'let stack = ""; try { await m.handler({}, {}); } catch (error) { stack = String(error.stack); } const f = process.hrtime.bigint();' +
    "if (stack === '') throw new Error('the handler took an empty event');" +
    'process.stdout.write(JSON.stringify({ loadMs: Number(e - t) / 1e6, firstErrorMs: Number(f - e) / 1e6 }));';
  const script = variant.format === 'esm' ? body : `(async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });`;
  const env = {
    ...process.env,
    ...LAMBDA_ENV,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_SPECS[variant.key].functionName,
    // DuckDB's package (and this machine's binding) from the project, as the bundle's node_modules holds it on Lambda.
    NODE_PATH: path.join(ROOT, 'node_modules'),
    NODE_OPTIONS: variant.nodeOptions ?? '',
    // The handler's log lines are not the measurement.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_DEV: 'false',
  };
  const args = variant.format === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script];
  const began = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { cwd: path.dirname(file), env, encoding: 'utf-8' });
  const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
  if (child.status !== 0) throw new Error(`${variant.name}: the bundle failed to load: ${child.stderr}`);
  const measured = JSON.parse(child.stdout.slice(child.stdout.lastIndexOf('{'))) as { loadMs: number; firstErrorMs: number };
  return { ...measured, wallMs };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One variant's starts (ms each). */
export interface StartupVariant {
  readonly name: string;
  readonly function: FunctionKey;
  readonly nodeOptions: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly loads: readonly number[];
  readonly firstErrors: readonly number[];
  readonly walls: readonly number[];
}

/** Bundles every variant and starts each `runs` times, interleaved (after one warm-up start each). */
export async function measureStartup(runs: number): Promise<StartupVariant[]> {
  const scratch = path.join(os.tmpdir(), `etl-startup-${process.pid}`);
  try {
    const built = await Promise.all(
      VARIANTS.map(async (variant, i) => {
        const dir = path.join(scratch, String(i));
        mkdirSync(dir, { recursive: true });
        return { variant, ...(await bundle(variant, dir)), loads: [] as number[], firstErrors: [] as number[], walls: [] as number[] };
      }),
    );
    // One warm-up start each (the file cache), then the runs, variants interleaved.
    for (const b of built) start(b.variant, b.file);
    for (let run = 0; run < runs; run += 1) {
      for (const b of built) {
        const { loadMs, firstErrorMs, wallMs } = start(b.variant, b.file);
        b.loads.push(loadMs);
        b.firstErrors.push(firstErrorMs);
        b.walls.push(wallMs);
      }
    }
    return built.map((b) => ({
      name: b.variant.name,
      function: b.variant.key,
      nodeOptions: b.variant.nodeOptions ?? '',
      bytes: b.bytes,
      mapBytes: b.mapBytes,
      loads: b.loads,
      firstErrors: b.firstErrors,
      walls: b.walls,
    }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
  {
    const built = await measureStartup(runs);
    const ms = (x: number): string => x.toFixed(0);
    const kib = (x: number): string => `${(x / 1024).toFixed(0)} KiB`;
    const cell = (values: readonly number[]): string => `${ms(quantile(values, 0.5))} ms (${ms(quantile(values, 0.9))})`;
    const lines = [
      `Node.js ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0].toFixed(1)}; ${runs} starts each`,
      '',
      '| variant | bundle | source map | load, median (p90) | first error, median (p90) | process, median (p90) |',
      '|---|---|---|---|---|---|',
      ...built.map((b) => `| ${b.name} | ${kib(b.bytes)} | ${kib(b.mapBytes)} | ${cell(b.loads)} | ${cell(b.firstErrors)} | ${cell(b.walls)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

if (require.main === module)
  void main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
