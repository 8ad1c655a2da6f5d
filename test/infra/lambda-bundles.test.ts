/**
 * The bundles of the functions that run DuckDB, as the synth stages them: DuckDB's binding for
 * Lambda's arm64 runtime is in the bundle where `@duckdb/node-bindings` requires it, and the
 * unzipped bundle stays under Lambda's 250 MB limit. Also the synth's refusal when the binding
 * was not installed (`npm run lambda-duckdb`).
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Template } from 'aws-cdk-lib/assertions';

import { FUNCTION_SPECS, type FunctionKey } from '../../infra/constructs/pipeline-functions';
import { LambdaDuckDbMissingError } from '../../infra/errors';
import {
  EM_AARCH64,
  elfMachine,
  LAMBDA_BINDING_PACKAGE,
  LAMBDA_DUCKDB_DIR,
  LAMBDA_DUCKDB_SCRIPT,
  lambdaBindingProblem,
  lambdaDuckDb,
  resolveDuckDbPackages,
} from '../../infra/lambda-duckdb';
import { resourcesOf, ROOT, synthPipeline } from './synth-pipeline';

/** Lambda's limit on a function's unzipped deployment package (with its layers; these have none). */
const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

/** The functions whose bundles ship DuckDB. */
const DUCKDB_FUNCTIONS = (Object.keys(FUNCTION_SPECS) as FunctionKey[]).filter((key) => FUNCTION_SPECS[key].bundlesDuckDb);

let template: Template;
let assemblyDir: string;

beforeAll(() => {
  const built = synthPipeline();
  template = built.template;
  assemblyDir = built.app.synth().directory;
});

/** Bytes of every file below a folder (symbolic links counted as themselves, never followed). */
function sizeBelow(dir: string): number {
  return readdirSync(dir).reduce((total, name) => {
    const file = path.join(dir, name);
    const stat = lstatSync(file);
    return total + (stat.isDirectory() ? sizeBelow(file) : stat.size);
  }, 0);
}

/** The staged (unzipped) bundle of a function: the assembly's `asset.<hash>` its Code names. */
function bundleDirOf(functionName: string): string {
  const [fn] = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((r) => r.Properties?.FunctionName === functionName);
  const key = (fn.Properties?.Code as { S3Key: string }).S3Key;
  return path.join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
}

/** Where `request` resolves from a folder, as Node's require does on Lambda (node_modules upwards). */
function resolveFrom(dir: string, request: string): string {
  return require.resolve(request, { paths: [dir] });
}

it('has at least one function that runs DuckDB (the fast path)', () => {
  expect(DUCKDB_FUNCTIONS).toContain('transformInLambda');
});

describe.each(DUCKDB_FUNCTIONS.map((key) => [FUNCTION_SPECS[key].functionName]))('%s', (functionName) => {
  it('runs on arm64 with the runtime of the other functions', () => {
    // Prepare
    const functions = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((r) =>
      Object.values(FUNCTION_SPECS).some((s) => s.functionName === r.Properties?.FunctionName),
    );
    const others = functions.filter((r) => r.Properties?.FunctionName !== functionName);

    // Act
    const runtimes = new Set(others.map((r) => r.Properties?.Runtime));
    const [fn] = functions.filter((r) => r.Properties?.FunctionName === functionName);

    // Assess
    expect(runtimes.size).toBe(1);
    expect(fn.Properties?.Architectures).toEqual(['arm64']);
    expect(fn.Properties?.Runtime).toBe([...runtimes][0]);
  });

  it("ships DuckDB's AArch64 binding where @duckdb/node-bindings requires it from the bundle's node_modules", () => {
    // Prepare
    const bundle = bundleDirOf(functionName);
    const bindingDir = path.join(bundle, 'node_modules', LAMBDA_BINDING_PACKAGE);

    // Act: the chain of requires on Lambda (linux, arm64, glibc), each from where the last one is
    const nodeApi = resolveFrom(bundle, '@duckdb/node-api');
    const nodeBindings = resolveFrom(path.dirname(nodeApi), '@duckdb/node-bindings');
    const binding = resolveFrom(path.dirname(nodeBindings), `${LAMBDA_BINDING_PACKAGE}/duckdb.node`);
    const natives = readdirSync(bindingDir).filter((f) => f.endsWith('.node') || f.endsWith('.so'));

    // Assess
    for (const file of [nodeApi, nodeBindings, binding]) expect(file.startsWith(`${bundle}${path.sep}`)).toBe(true);
    expect(binding).toBe(path.join(bindingDir, 'duckdb.node'));
    expect(natives).toEqual(expect.arrayContaining(['duckdb.node', 'libduckdb.so']));
    for (const file of natives) expect({ file, machine: elfMachine(path.join(bindingDir, file)) }).toEqual({ file, machine: EM_AARCH64 });
    // The host's binding (npm installed this machine's) is not shipped.
    expect(readdirSync(path.join(bundle, 'node_modules', '@duckdb')).sort()).toEqual(['node-api', 'node-bindings', 'node-bindings-linux-arm64']);
  });

  it("stays under Lambda's 250 MB unzipped limit", () => {
    // Prepare
    const bundle = bundleDirOf(functionName);

    // Act
    const bytes = sizeBelow(bundle);

    // Assess
    console.log(`${functionName}: unzipped bundle ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes) of Lambda's 250 MiB`);
    expect(bytes).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
  });
});

describe.each((Object.keys(FUNCTION_SPECS) as FunctionKey[]).filter((key) => FUNCTION_SPECS[key].bundlesEsModules).map((key) => [key]))(
  '%s, bundled from ES modules',
  (key) => {
    const spec = FUNCTION_SPECS[key];

    it("is built from the packages' ES modules (the AWS SDK's dist-es), not their CommonJS builds", () => {
      // Prepare
      const map = JSON.parse(readFileSync(path.join(bundleDirOf(spec.functionName), 'index.js.map'), 'utf-8')) as { sources: string[] };

      // Act
      const sdk = map.sources.filter((source) => source.includes('node_modules/@aws-sdk/'));

      // Assess
      expect(sdk.some((source) => source.includes('/dist-es/'))).toBe(true);
      expect(sdk.filter((source) => source.includes('/dist-cjs/'))).toEqual([]);
    });

    it('loads as deployed (index.handler, CommonJS) in a fresh Node.js and answers an event', () => {
      // Prepare: the S3 test event, which the trigger answers without calling AWS
      const bundle = path.join(bundleDirOf(spec.functionName), 'index.js');
      const event = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-12-07T00:00:00.000Z', Bucket: 'b', RequestId: 'r', HostId: 'h' };
      const script = `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(event)}, {}).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
      const env = {
        PATH: process.env.PATH,
        // The SDK warns on a Node.js older than Lambda's 24, which runs this test here.
        NODE_NO_WARNINGS: '1',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
        POWERTOOLS_SERVICE_NAME: spec.service,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:etl-pipeline',
      };

      // Act
      const child = spawnSync(process.execPath, ['-e', script], { cwd: path.dirname(bundle), env, encoding: 'utf-8', timeout: 60_000 });

      // Assess (stderr may hold Metrics' warning that a test event publishes no metric)
      expect({ status: child.status, error: child.error }).toEqual({ status: 0, error: undefined });
      expect(JSON.parse(child.stdout.slice(child.stdout.lastIndexOf('{"')))).toEqual({ started: [], duplicates: [], skipped: [] });
    });
  },
);

describe('the binding the bundles copy', () => {
  let scratch: string;
  let version: string;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'lambda-duckdb-'));
    ({ version } = resolveDuckDbPackages(ROOT));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A project root with this project's node_modules and, if given, a binding folder holding these files. */
  const rootWith = (name: string, binding?: { version: string; natives: Record<string, string> }): string => {
    const root = path.join(scratch, name);
    mkdirSync(root);
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    if (binding) {
      const dir = path.join(root, LAMBDA_DUCKDB_DIR, 'node_modules', LAMBDA_BINDING_PACKAGE);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: LAMBDA_BINDING_PACKAGE, version: binding.version }));
      for (const [file, from] of Object.entries(binding.natives)) copyFileSync(from, path.join(dir, file));
    }
    return root;
  };

  it('is the version the installed @duckdb/node-api uses, installed for AArch64', () => {
    expect(lambdaBindingProblem(ROOT, version)).toBeUndefined();
  });

  it('refuses the synth in one line naming the script when it is missing, of another version, or built for another machine', () => {
    // Prepare: the host's own binding (x86-64 here, or whatever npm installed) stands for a wrong build
    const hostBinding = resolveFrom(
      path.dirname(resolveFrom(ROOT, '@duckdb/node-bindings')),
      `@duckdb/node-bindings-${process.platform}-${process.arch}/duckdb.node`,
    );
    const roots = {
      missing: rootWith('missing'),
      stale: rootWith('stale', { version: '0.0.1', natives: {} }),
      foreign: rootWith('foreign', { version, natives: { 'duckdb.node': hostBinding } }),
    };

    // Act
    const errors = Object.fromEntries(
      Object.entries(roots).map(([name, root]) => {
        try {
          lambdaDuckDb(root);
          return [name, undefined];
        } catch (e: unknown) {
          return [name, e];
        }
      }),
    );

    // Assess
    for (const error of Object.values(errors)) {
      expect(error).toBeInstanceOf(LambdaDuckDbMissingError);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).toContain(`run \`${LAMBDA_DUCKDB_SCRIPT}\``);
    }
    expect((errors.missing as Error).message).toContain(`${LAMBDA_DUCKDB_DIR}/ holds no ${LAMBDA_BINDING_PACKAGE}`);
    expect((errors.stale as Error).message).toContain(`holds ${LAMBDA_BINDING_PACKAGE} 0.0.1, the installed @duckdb/node-api needs ${version}`);
    if (elfMachine(hostBinding) !== EM_AARCH64) expect((errors.foreign as Error).message).toContain('duckdb.node not built for AArch64');
  });
});
