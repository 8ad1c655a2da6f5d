/**
 * The `etl` command: run the pipeline locally on files, watch a folder, inspect executions, check
 * a config, query the loaded tables. Each command lives in its own module under `commands/`; this
 * one assembles them and maps errors to exit codes ({@link EXIT}). With `--json`, stdout carries
 * JSON lines only: errors too, as `{"error":{"name","message"}}`, with the same exit codes.
 */
import '../runtime/node-compat';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Command, CommanderError } from 'commander';

import { type CliIo, EXIT, exitCodeOf, jsonError, reportError } from './cli-context';
import { consoleCommand } from './commands/console';
import { executionsCommand } from './commands/executions';
import { inferCommand } from './commands/infer';
import { queryCommand } from './commands/query';
import { runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import { watchCommand } from './commands/watch';
import { CONFIG_FILE_NAME } from './config-file';
import { DEFAULT_ROOT } from './options';
import { processIo } from './process-io';

export { type CliIo, EXIT } from './cli-context';

/** The version in the project's package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf-8')) as { version: string }).version;
}

/**
 * Whether the command line asks for JSON output (`--json` before any `--`): decided before parsing,
 * so that a usage error commander finds is reported as JSON too.
 */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Builds the program; actions report their exit code through `result` (never process.exitCode).
 * With `json`, commander's own errors (unknown option, missing argument) go to stdout as JSON.
 */
export function buildProgram(
  io: CliIo = processIo(),
  result: { exitCode: number } = { exitCode: EXIT.ok },
  options: { readonly json?: boolean } = {},
): Command {
  const program = new Command('etl')
    .description('Run the ETL pipeline locally: the same state machine, handlers and transform as on AWS.')
    .version(packageVersion(), '-V, --version', 'print the version of the pipeline')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) =>
        options.json
          ? io.out(
              JSON.stringify(
                jsonError(
                  'UsageError',
                  s
                    .trim()
                    .replace(/^error: /, '')
                    .replace(/\s*\n\s*/g, ' '),
                ),
              ),
            )
          : write(s),
    })
    .addHelpText(
      'after',
      `
Exit codes:
  ${EXIT.ok}  every file ended SUCCESS or WARNING (or the command succeeded)
  ${EXIT.failed}  at least one file ended FAILURE (or the execution asked for does not exist or cannot be
     redriven, etl validate found the config invalid, etl query's SQL failed, an AWS request
     of --aws failed: one line naming the fix)
  ${EXIT.usage}  usage error: unknown option, missing file, invalid configuration, --engine spark
     without the Python environment (created by: npm run python-env)

With --json, stdout carries only JSON lines; an error is {"error":{"name","message"}}, same exit code.
A closed stdout (| head -1) ends the output quietly; the command finishes its work, same exit code.

The dataset configuration: --config FILE, else ETL_CONFIG, else ${CONFIG_FILE_NAME} in the working
directory, else the project's own ${CONFIG_FILE_NAME} (etl validate says which).

The local root (default ${DEFAULT_ROOT}/ in the working directory) holds:
  bucket/{extract,load,logs,scripts}   the folder standing in for the S3 bucket
  bucket/logs/notifications.jsonl      every SNS notification
  bucket/logs/lambda/*.log             Powertools log lines and EMF metrics
  executions.sqlite                    the execution history`,
    );
  const context = { io, result };
  runCommand(program, context);
  watchCommand(program, context);
  consoleCommand(program, context);
  executionsCommand(program, context);
  validateCommand(program, context);
  queryCommand(program, context);
  inferCommand(program, context);
  return program;
}

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const result = { exitCode: EXIT.ok as number };
  const json = wantsJson(argv);
  const program = buildProgram(io, result, { json });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      // Commander has written its message (outputError above).
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    const code = exitCodeOf(e);
    if (code !== undefined) {
      reportError(io, e, json);
      return code;
    }
    if (!json) throw e;
    // A bug: with --json, stdout still gets one JSON line; the stack goes to stderr.
    reportError(io, e, true);
    io.err(`etl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`etl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
