/**
 * Lambda bundles: each `handlers/lambda/*.ts` entry point (a module exporting `handler`) bundled
 * with esbuild the way a deploy bundles it (CommonJS, minified, Node platform), its size, and the
 * time a fresh Node process takes to `require` it (the cold-start import).
 *
 * Two variants: `sdk-external` leaves `@aws-sdk/*` to the Node.js 24 Lambda runtime, which ships
 * the AWS SDK for JavaScript v3 (a legitimate, common deploy choice); `sdk-bundled` includes the
 * SDK clients in the bundle, as `infra/` currently deploys them (`bundleAwsSDK: true`);
 * `sdk-bundled-esm` is the same from the packages' ES modules (`mainFields: ['module', 'main']`), which
 * lets esbuild drop what the handler does not use (the SDK's CommonJS builds are one module each).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type BuildOptions, build } from 'esbuild';

import { METRICS_NAMESPACE } from '../core/pipeline-steps';
import { TRANSFORM_IN_LAMBDA_SIZING } from '../infra/constructs/pipeline-functions';
import { ROOT } from './paths';

/** Bundle variants measured. */
export type BundleVariant = 'sdk-external' | 'sdk-bundled' | 'sdk-bundled-esm';

/** One bundle. */
export interface LambdaBundle {
  readonly entry: string;
  readonly variant: BundleVariant;
  readonly bytes: number;
  /** Bytes of the largest packages in the bundle. */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
  /** `require(bundle)` in fresh processes, ms each. */
  readonly importMs: readonly number[];
  /**
   * Of each import, the part spent loading the external AWS SDK packages the bundle requires (they
   * are required first, then the bundle; `sdk-external` only, else 0).
   */
  readonly sdkMs?: readonly number[];
  /** The module exports a `handler` function once imported. */
  readonly exportsHandler: boolean;
  /** Size of the same bundle with zod replaced by an empty module: what zod costs. */
  readonly bytesWithoutZod: number;
}

/** The entry points: modules of handlers/lambda/ that export `handler`. */
export function lambdaEntries(): string[] {
  const dir = path.join(ROOT, 'handlers', 'lambda');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && /export const handler\b/.test(readFileSync(path.join(dir, f), 'utf-8')))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Environment a Lambda function of the stack sees at import (no network is used at import). */
export const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:etl-pipeline',
  // The fast path's function: its work folder (nothing is written at import) and DuckDB's memory limit.
  ETL_WORK_DIR: os.tmpdir(),
  ETL_DUCKDB_MEMORY_LIMIT: `${TRANSFORM_IN_LAMBDA_SIZING.duckdbMemoryLimitMb}MB`,
  NODE_NO_WARNINGS: '1',
};

/**
 * Bundles one entry point into `outDir` (outside the project, so that linters never see the
 * output) and times its import `imports` times, each in a fresh process.
 */
export async function measureBundle(entry: string, variant: BundleVariant, outDir: string, imports: number): Promise<LambdaBundle> {
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, `${entry}.${variant}.js`);
  const options: BuildOptions = {
    entryPoints: [path.join(ROOT, 'handlers', 'lambda', `${entry}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // DuckDB's native package ships beside the bundle, as infra/ deploys the fast path's function.
    external: [...(variant === 'sdk-external' ? ['@aws-sdk/*'] : []), '@duckdb/node-api'],
    ...(variant === 'sdk-bundled-esm' ? { mainFields: ['module', 'main'] } : {}),
  };
  const result = await build({ ...options, outfile, metafile: true as const, logLevel: 'error' });
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, info] of Object.entries(output.inputs)) {
      const parts = input.split('/');
      const name = parts[0] === 'node_modules' ? parts.slice(1, parts[1].startsWith('@') ? 3 : 2).join('/') : `(project) ${parts[0]}`;
      byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput);
    }
  }
  // The same bundle without zod (never run: only its size), to show what the schema library costs.
  const stub = path.join(outDir, 'empty-module.js');
  writeFileSync(stub, 'module.exports = {};\n');
  const withoutZod = path.join(outDir, `${entry}.${variant}.without-zod.js`);
  await build({ ...options, outfile: withoutZod, alias: { zod: stub, 'zod/mini': stub }, logLevel: 'silent' });
  const largest = [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, bytes }));
  const importMs: number[] = [];
  const sdkMs: number[] = [];
  let exportsHandler = false;
  const sdkPackages = [
    ...new Set(
      Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path)),
    ),
  ];
  const script =
    `const t = process.hrtime.bigint(); for (const p of ${JSON.stringify(sdkPackages)}) require(p); const s = process.hrtime.bigint();` +
    `const m = require(${JSON.stringify(outfile)}); const e = process.hrtime.bigint();` +
    `process.stdout.write(JSON.stringify({ ms: Number(e - t) / 1e6, sdkMs: Number(s - t) / 1e6, handler: typeof m.handler }));`;
  for (let i = 0; i < imports; i += 1) {
    // The function's name, as Lambda sets it: Powertools reads it at import.
    // NODE_PATH, as on Lambda (where it names the runtime's SDK): here the project's node_modules.
    const env = { ...process.env, ...LAMBDA_ENV, AWS_LAMBDA_FUNCTION_NAME: `etl-${entry}`, NODE_PATH: path.join(ROOT, 'node_modules') };
    const child = spawnSync(process.execPath, ['-e', script], { cwd: outDir, env, encoding: 'utf-8' });
    if (child.status !== 0) throw new Error(`importing ${outfile} failed: ${child.stderr}`);
    const parsed = JSON.parse(child.stdout) as { ms: number; sdkMs: number; handler: string };
    importMs.push(parsed.ms);
    sdkMs.push(parsed.sdkMs);
    exportsHandler = parsed.handler === 'function';
  }
  return { entry, variant, bytes: statSync(outfile).size, largest, importMs, sdkMs, exportsHandler, bytesWithoutZod: statSync(withoutZod).size };
}
