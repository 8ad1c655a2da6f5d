/**
 * `npm run lambda-duckdb`, also the `postinstall` of `npm ci`: installs DuckDB's native binding
 * for the Lambda runtime (`@duckdb/node-bindings-linux-arm64`, the release of the installed
 * `@duckdb/node-api`) into `.lambda/duckdb-linux-arm64/`, whatever this machine's platform: npm
 * installs only the host's binding, and the synth, offline, copies this one into the bundles of
 * the functions that run DuckDB (`infra/lambda-duckdb.ts`). Idempotent: with that version already
 * there it does nothing (and needs no network). The tarball must have the integrity that
 * `package-lock.json` records for that package.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { LAMBDA_BINDING_PACKAGE, LAMBDA_DUCKDB_DIR, lambdaBindingProblem, resolveDuckDbPackages } from '../infra/lambda-duckdb';

const ROOT = path.resolve(__dirname, '..');

/** The integrity a lockfile records for the binding package, if it lists it. */
function lockedIntegrity(lockFile: string): string | undefined {
  const lock = JSON.parse(readFileSync(lockFile, 'utf-8')) as { packages?: Record<string, { integrity?: string }> };
  return lock.packages?.[`node_modules/${LAMBDA_BINDING_PACKAGE}`]?.integrity;
}

function install(): string {
  const { version } = resolveDuckDbPackages(ROOT);
  if (!lambdaBindingProblem(ROOT, version)) return `${LAMBDA_BINDING_PACKAGE} ${version} already in ${LAMBDA_DUCKDB_DIR}/`;

  const dir = path.join(ROOT, LAMBDA_DUCKDB_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // An optional dependency: npm's --os/--cpu/--libc choose among optional packages only, and
  // refuse a direct dependency built for another platform (EBADPLATFORM).
  const manifest = {
    name: 'lambda-duckdb-linux-arm64',
    private: true,
    description: `DuckDB's binding for Lambda arm64, installed by scripts/lambda-duckdb.ts`,
    optionalDependencies: { [LAMBDA_BINDING_PACKAGE]: version },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const npm = spawnSync(
    'npm',
    ['install', '--os=linux', '--cpu=arm64', '--libc=glibc', '--include=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: dir, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (npm.status !== 0)
    throw new Error(`npm install of ${LAMBDA_BINDING_PACKAGE}@${version} failed: ${(npm.stderr || npm.stdout || String(npm.error)).trim()}`);

  const problem = lambdaBindingProblem(ROOT, version);
  if (problem) throw new Error(`npm installed ${LAMBDA_BINDING_PACKAGE}@${version}, yet ${problem}`);
  const pinned = lockedIntegrity(path.join(ROOT, 'package-lock.json'));
  const got = lockedIntegrity(path.join(dir, 'package-lock.json'));
  if (pinned && got !== pinned) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${LAMBDA_BINDING_PACKAGE}@${version} has integrity ${String(got)}, package-lock.json pins ${pinned}`);
  }
  return `installed ${LAMBDA_BINDING_PACKAGE} ${version} (linux, arm64, glibc) in ${LAMBDA_DUCKDB_DIR}/`;
}

try {
  console.error(`lambda-duckdb: ${install()}`);
} catch (e: unknown) {
  console.error(`lambda-duckdb: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
