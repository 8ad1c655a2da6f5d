#!/usr/bin/env node
// The `etl` command: loads the TypeScript CLI through tsx's require hook (no build step).
require('tsx/cjs/api').register();
const { main } = require('../local/cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`etl: unexpected error: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
