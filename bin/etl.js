#!/usr/bin/env node
// The `etl` command. Runs the CLI's prebuilt bundle (bin/cli-bundle.js, scripts/build-cli.mjs),
// rebuilding it first when a source changed since it was built; if it cannot be built, or with
// ETL_CLI_TSX=1 (TypeScript stack traces, a debugger), runs the sources through tsx's require hook.
'use strict';

const run = (main) =>
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`etl: unexpected error: ${error && error.stack ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );

function runSources() {
  require('tsx/cjs/api').register();
  return run(require('../local/cli/main.ts').main);
}

/** Settles with the command; the bundle's code cache is written after it. */
function runBundle(bundle, manifest) {
  let settle;
  const done = new Promise((resolve) => (settle = resolve));
  let main;
  try {
    ({ main } = bundle.loadBundle(manifest, done));
  } catch (error) {
    // A concurrent rebuild removed this bundle after its manifest was read: build another.
    if (!(error && error.code === 'ENOENT')) throw error;
    return bundle.buildBundle().then((built) => runBundle(bundle, built));
  }
  return run(main).finally(settle);
}

if (process.env.ETL_CLI_TSX === '1') {
  runSources();
} else {
  const bundle = require('./cli-bundle.js');
  const manifest = bundle.freshManifest();
  if (manifest) {
    runBundle(bundle, manifest);
  } else {
    bundle.buildBundle().then(
      (built) => runBundle(bundle, built),
      (error) => {
        process.stderr.write(
          `etl: the CLI bundle could not be built, running the sources through tsx (${error && error.message ? error.message : String(error)})\n`,
        );
        runSources();
      },
    );
  }
}
