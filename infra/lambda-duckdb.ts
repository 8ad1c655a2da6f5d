/**
 * DuckDB's native binding for the Lambda runtime (Linux, arm64, glibc), for the bundles of the
 * functions that run DuckDB. npm installs only the host's binding (`@duckdb/node-bindings` lists
 * one optional package per platform), so `scripts/lambda-duckdb.ts` installs the Lambda one into a
 * folder of its own at install time (`npm ci` runs it as `postinstall`); at synth the bundles copy
 * it from there, offline, never through Docker. Its version is the one the installed
 * `@duckdb/node-api`'s bindings name (the same release), never a second pin.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';

import { LambdaDuckDbMissingError } from './errors';

/** The package that holds the binding for Lambda's arm64 runtime (Amazon Linux 2023, glibc). */
export const LAMBDA_BINDING_PACKAGE = '@duckdb/node-bindings-linux-arm64';

/** Where the install script puts it, relative to the project root (gitignored). */
export const LAMBDA_DUCKDB_DIR = '.lambda/duckdb-linux-arm64';

/** The npm script that installs it (`scripts/lambda-duckdb.ts`). */
export const LAMBDA_DUCKDB_SCRIPT = 'npm run lambda-duckdb';

/** The packages a bundle that runs DuckDB ships in its `node_modules/` (esbuild leaves them external). */
export const DUCKDB_BUNDLED_PACKAGES = ['@duckdb/node-api', '@duckdb/node-bindings', 'detect-libc', LAMBDA_BINDING_PACKAGE] as const;

/** `e_machine` of an ELF file built for 64-bit ARM (AArch64). */
export const EM_AARCH64 = 183;

/** Where each bundled package is found on this machine, and the binding's version. */
export interface LambdaDuckDb {
  /** The binding's version: the one `@duckdb/node-bindings` names for {@link LAMBDA_BINDING_PACKAGE}. */
  readonly version: string;
  /** The folder of each of {@link DUCKDB_BUNDLED_PACKAGES}. */
  readonly packageDirs: Readonly<Record<(typeof DUCKDB_BUNDLED_PACKAGES)[number], string>>;
}

interface PackageJson {
  readonly version: string;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

function packageDir(name: string, from: string): string {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [from] }));
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf-8')) as PackageJson;
}

/**
 * The installed `@duckdb/node-api`, its bindings and what they need, and the Lambda binding's
 * version (whether or not it is installed yet).
 */
export function resolveDuckDbPackages(root: string): {
  readonly version: string;
  readonly dirs: Omit<LambdaDuckDb['packageDirs'], typeof LAMBDA_BINDING_PACKAGE>;
} {
  const nodeApi = packageDir('@duckdb/node-api', root);
  const nodeBindings = packageDir('@duckdb/node-bindings', nodeApi);
  const version = readPackageJson(nodeBindings).optionalDependencies?.[LAMBDA_BINDING_PACKAGE];
  if (!version)
    throw new LambdaDuckDbMissingError(`${nodeBindings}/package.json names no ${LAMBDA_BINDING_PACKAGE}: this DuckDB release has no Lambda arm64 binding`);
  return { version, dirs: { '@duckdb/node-api': nodeApi, '@duckdb/node-bindings': nodeBindings, 'detect-libc': packageDir('detect-libc', nodeBindings) } };
}

/** The folder of the installed Lambda binding package, below {@link LAMBDA_DUCKDB_DIR}. */
export function lambdaBindingDir(root: string): string {
  return path.join(root, LAMBDA_DUCKDB_DIR, 'node_modules', LAMBDA_BINDING_PACKAGE);
}

/** The `e_machine` of an ELF file, or undefined for a file that is not ELF. */
export function elfMachine(file: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, header, 0, header.length, 0) < header.length) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian; e_machine is the half-word at offset 18.
  return header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
}

/**
 * Why the Lambda binding in {@link LAMBDA_DUCKDB_DIR} cannot be bundled (absent, another version,
 * not an AArch64 build), or undefined when it can.
 */
export function lambdaBindingProblem(root: string, version: string): string | undefined {
  const dir = lambdaBindingDir(root);
  if (!existsSync(path.join(dir, 'package.json'))) return `${LAMBDA_DUCKDB_DIR}/ holds no ${LAMBDA_BINDING_PACKAGE}`;
  const installed = readPackageJson(dir).version;
  if (installed !== version) return `${LAMBDA_DUCKDB_DIR}/ holds ${LAMBDA_BINDING_PACKAGE} ${installed}, the installed @duckdb/node-api needs ${version}`;
  const natives = readdirSync(dir).filter((f) => f.endsWith('.node'));
  if (natives.length === 0) return `${LAMBDA_DUCKDB_DIR}/ holds ${LAMBDA_BINDING_PACKAGE} without its .node file`;
  const foreign = natives.filter((f) => elfMachine(path.join(dir, f)) !== EM_AARCH64);
  if (foreign.length > 0) return `${LAMBDA_DUCKDB_DIR}/ holds ${foreign.join(', ')} not built for AArch64`;
  return undefined;
}

/**
 * The packages to bundle, checked.
 * @throws LambdaDuckDbMissingError naming the script to run, when the binding is missing or stale.
 */
export function lambdaDuckDb(root: string): LambdaDuckDb {
  const { version, dirs } = resolveDuckDbPackages(root);
  const problem = lambdaBindingProblem(root, version);
  if (problem) {
    throw new LambdaDuckDbMissingError(
      `DuckDB's Lambda binding is not installed (${problem}): run \`${LAMBDA_DUCKDB_SCRIPT}\` (scripts/lambda-duckdb.ts, part of npm ci)`,
    );
  }
  return { version, packageDirs: { ...dirs, [LAMBDA_BINDING_PACKAGE]: lambdaBindingDir(root) } };
}

/** A word for bash, single-quoted. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell commands (an `afterBundling` hook) that copy the packages into the bundle's
 * `node_modules/`, where `@duckdb/node-bindings` requires `@duckdb/node-bindings-linux-arm64/duckdb.node`
 * on Lambda (`process.platform` linux, `process.arch` arm64, glibc). `duckdb.node` finds
 * `libduckdb.so` beside it (its RUNPATH is `$ORIGIN`).
 */
export function bundleCommands(duckdb: LambdaDuckDb, outputDir: string): string[] {
  return DUCKDB_BUNDLED_PACKAGES.map((name) => {
    const target = path.join(outputDir, 'node_modules', name);
    return `mkdir -p ${shellWord(path.dirname(target))} && rm -rf ${shellWord(target)} && cp -R ${shellWord(duckdb.packageDirs[name])} ${shellWord(target)}`;
  });
}
