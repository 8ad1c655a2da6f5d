/**
 * Bundles the `etl` CLI (local/cli/main.ts) with esbuild into node_modules/.cache/etl-cli/, so that
 * bin/etl.js starts without compiling TypeScript (tsx did it on every start: about 0.5 s). Run by
 * `npm ci` / `npm install` (`prepare`), and by bin/etl.js itself whenever the bundle is missing or
 * any of its sources changed (bin/cli-bundle.js). A failed build never fails the install: bin/etl.js
 * then tries again, and falls back to tsx.
 *
 *   node scripts/build-cli.mjs
 *
 * What the bundle changes, and why it is still the same program:
 * - `__dirname` / `__filename` in a project file are rewritten to that file's own folder (relative
 *   to the bundle, so the tree may move): the CLI finds package.json, etl.config.json, samples/ and
 *   the console's web/ as it does from the sources.
 * - The native packages stay outside (`@duckdb/node-api`, `better-sqlite3`) and so does esbuild (the
 *   console runs it); they and the packages of {@link LAZY} are loaded on first use instead of at
 *   start-up: an import of one of them becomes a module whose exports are getters that require the
 *   package when read. `etl --help` then loads neither DuckDB, SQLite, the AWS SDK nor the state
 *   machine interpreter, while every value read is the package's own (an enum, read at module level
 *   by the CLI, is copied into the bundle: the bundle is rebuilt whenever an install changes
 *   node_modules).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

import cliBundle from '../bin/cli-bundle.js';

const { CACHE_DIR, MANIFEST, ROOT, writeAtomically } = cliBundle;

/** Packages left outside the bundle: native bindings, and esbuild (it finds its own binary). */
const EXTERNAL = ['@duckdb/node-api', 'better-sqlite3', 'esbuild'];

/** Packages loaded on first use (external ones from node_modules, the others from the bundle). */
const LAZY = ['@duckdb/node-api', 'better-sqlite3', 'esbuild', 'aws-local-stepfunctions', '@aws-sdk/client-sfn', '@aws-lambda-powertools/tracer', 'chokidar'];

/** Files besides the bundle's sources whose change means a rebuild (npm rewrites the lockfile on every install). */
const EXTRA_INPUTS = ['scripts/build-cli.mjs', 'tsconfig.json', 'package.json', 'node_modules/.package-lock.json'];

const LAZY_NAMESPACE = 'etl-lazy';
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

/** The source of the module standing in for `name`: its exports as getters that load it when read. */
function lazyModule(name) {
  const real = requireFromRoot(name);
  const keys = Object.keys(real).filter((key) => key !== 'default' && key !== '__esModule');
  // An enum (a plain object of numbers and strings, e.g. DuckDBTypeId) is copied as it is: code reads
  // its members at module level, which would load the package at start-up.
  const getters = keys.map((key) =>
    isEnum(real[key])
      ? `  ${JSON.stringify(key)}: ${JSON.stringify(real[key])},`
      : `  get ${JSON.stringify(key)}() { return load()[${JSON.stringify(key)}]; },`,
  );
  // A CommonJS package without __esModule is its own default export (`import Database from 'better-sqlite3'`).
  const defaultGetter = real.__esModule ? (Object.hasOwn(real, 'default') ? 'load().default' : 'undefined') : 'load()';
  return [
    `let loaded;`,
    `const load = () => (loaded ??= require(${JSON.stringify(name)}));`,
    `module.exports = {`,
    `  __esModule: true,`,
    `  get default() { return ${defaultGetter}; },`,
    ...getters,
    `};`,
  ].join('\n');
}

/** Whether a value is an enum: a plain object whose values are all numbers or strings. */
function isEnum(value) {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every((v) => typeof v === 'number' || typeof v === 'string');
}

/** esbuild plugin: imports of {@link LAZY} packages from the project resolve to their lazy stand-ins. */
const lazyPackages = {
  name: 'etl-lazy-packages',
  setup(build) {
    const filter = new RegExp(`^(${LAZY.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => {
      // The stand-in's own require: the real package (bundled, or external).
      if (args.namespace === LAZY_NAMESPACE) return EXTERNAL.includes(args.path) ? { path: args.path, external: true } : undefined;
      return { path: args.path, namespace: LAZY_NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, (args) => ({ contents: lazyModule(args.path), loader: 'js', resolveDir: ROOT }));
  },
};

/** esbuild plugin: `__dirname` / `__filename` in a project file name that file's folder and path. */
function ownDirname(outDir) {
  return {
    name: 'etl-own-dirname',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const { readFile } = await import('node:fs/promises');
        const source = await readFile(args.path, 'utf-8');
        if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
        const dir = JSON.stringify(path.relative(outDir, path.dirname(args.path)));
        const file = JSON.stringify(path.relative(outDir, args.path));
        const contents = source
          .replace(/\b__dirname\b/g, `require("node:path").join(__dirname, ${dir})`)
          .replace(/\b__filename\b/g, `require("node:path").join(__dirname, ${file})`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * Size and mtime of a file relative to the root, as the manifest records them; a file changed since
 * `started` (perhaps while esbuild read it) gets a size no file has, so the next start rebuilds; a
 * file absent (npm may write its lockfile after `prepare`) is recorded as absent (size -2).
 */
function inputEntry(file, started) {
  const stat = statSync(path.join(ROOT, file), { throwIfNoEntry: false });
  if (!stat) return [file, -2, 0];
  return [file, stat.mtimeMs >= started - 1000 ? -1 : stat.size, stat.mtimeMs];
}

/**
 * Builds the bundle and writes its manifest (last, so that a reader sees the new bundle whole or
 * the old one); removes the bundles older than the previous one. Resolves to the manifest.
 */
export async function buildCli() {
  const { build } = await import('esbuild');
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const bundle = `cli-${id}.js`;
  const started = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'local', 'cli', 'main.ts')],
    outfile: path.join(CACHE_DIR, bundle),
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    external: EXTERNAL,
    plugins: [lazyPackages, ownDirname(CACHE_DIR)],
    metafile: true,
    logLevel: 'silent',
    write: true,
  });
  const sources = Object.keys(result.metafile.inputs).filter((input) => !input.includes(':') && !input.split('/').includes('node_modules'));
  const inputs = [...sources, ...EXTRA_INPUTS].map((file) => inputEntry(file, started));
  const manifest = { bundle, builtAt: new Date(started).toISOString(), inputs };
  writeAtomically(MANIFEST, `${JSON.stringify(manifest)}\n`);
  const keep = new Set([bundle, previousBundle(bundle)]);
  for (const file of readdirSync(CACHE_DIR)) {
    const owner = file.replace(/\.(js|v8cache)$/, '.js');
    if (/^cli-.*\.(js|v8cache)$/.test(file) && !keep.has(owner)) rmSync(path.join(CACHE_DIR, file), { force: true });
  }
  return manifest;
}

/** The newest bundle before `current` (a process that read the previous manifest may still load it). */
function previousBundle(current) {
  const bundles = readdirSync(CACHE_DIR)
    .filter((f) => /^cli-.*\.js$/.test(f) && f !== current)
    .map((f) => ({ f, t: statSync(path.join(CACHE_DIR, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  return bundles[0]?.f;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildCli().then(
    (manifest) => process.stderr.write(`etl: CLI bundled (${manifest.inputs.length} sources) into ${path.relative(ROOT, CACHE_DIR)}\n`),
    (e) => {
      // Never fails the install: bin/etl.js builds again on first run, or falls back to tsx.
      process.stderr.write(
        `etl: the CLI bundle could not be built (bin/etl.js will run the sources through tsx): ${e instanceof Error ? e.message : String(e)}\n`,
      );
    },
  );
}
