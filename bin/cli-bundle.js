// The CLI's prebuilt bundle: where it lives, whether it is fresh, and loading it with a V8 code cache.
//
// `scripts/build-cli.mjs` bundles local/cli/main.ts with esbuild into CACHE_DIR (run by `npm ci` /
// `npm install` through `prepare`, and by bin/etl.js whenever the bundle is missing or stale). Its
// manifest records every project source the bundle was built from (size and mtime), plus the
// lockfile npm rewrites on each install, so that an edited, added-to or updated tree is rebuilt
// before it runs: a developer never runs stale code. Loading compiles the 5 MB bundle from a V8
// code cache written after its first run (Node 20 has no module.enableCompileCache()).
'use strict';

const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

/** The project root. */
const ROOT = path.resolve(__dirname, '..');
/** Where the bundle, its manifest and its code cache live (under node_modules: `npm ci` starts afresh). */
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'etl-cli');
const MANIFEST = path.join(CACHE_DIR, 'manifest.json');

/**
 * The manifest if the bundle it names matches every input it was built from, else undefined
 * (no bundle, an input changed, added or removed imports show as a changed input).
 */
function freshManifest() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf-8'));
  } catch {
    return undefined;
  }
  for (const [file, size, mtimeMs] of manifest.inputs) {
    const stat = fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    // Size -2: the file was absent at build time, and must still be.
    if (size === -2 ? stat !== undefined : !stat || stat.size !== size || stat.mtimeMs !== mtimeMs) return undefined;
  }
  return manifest;
}

/**
 * Loads the bundle a manifest names, as `require` would, compiling it from its V8 code cache when
 * there is one; writes the cache when there is none (or V8 rejected it) once `whenDone` settles.
 */
function loadBundle(manifest, whenDone) {
  const file = path.join(CACHE_DIR, manifest.bundle);
  const cacheFile = file.replace(/\.js$/, '.v8cache');
  const source = fs.readFileSync(file, 'utf-8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, so that the functions it compiled are in the cache too.
    whenDone.finally(() => writeAtomically(cacheFile, script.createCachedData())).catch(() => undefined);
  }
  return mod.exports;
}

/** Writes a file under a temporary name and renames it: concurrent readers see all or nothing. */
function writeAtomically(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

/** Builds the bundle (scripts/build-cli.mjs); resolves to the new manifest. */
async function buildBundle() {
  const { buildCli } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-cli.mjs')).href);
  return buildCli();
}

module.exports = { ROOT, CACHE_DIR, MANIFEST, freshManifest, loadBundle, buildBundle, writeAtomically };
