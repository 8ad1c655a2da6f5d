/**
 * The `etl` command: run the pipeline locally on files, watch a folder, inspect executions. Each
 * command lives in its own module under `commands/`; this one assembles them and maps errors to
 * exit codes ({@link EXIT}).
 */
import '../runtime/node-compat';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Command, CommanderError } from 'commander';

import { ConfigError, InvalidKeyError } from '../../core/errors';
import { PythonEnvironmentMissingError } from '../runtime/errors';
import { UsageError } from '../shared/errors';
import { type CliIo, EXIT } from './cli-context';
import { consoleCommand } from './commands/console';
import { executionsCommand } from './commands/executions';
import { runCommand } from './commands/run';
import { watchCommand } from './commands/watch';
import { DEFAULT_ROOT } from './options';

export { type CliIo, EXIT } from './cli-context';

/** The version in the project's package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf-8')) as { version: string }).version;
}

/** Builds the program; actions report their exit code through `result` (never process.exitCode). */
export function buildProgram(io: CliIo = defaultIo(), result: { exitCode: number } = { exitCode: EXIT.ok }): Command {
  const program = new Command('etl')
    .description('Run the ETL pipeline locally: the same state machine, handlers and transform as on AWS.')
    .version(packageVersion(), '-V, --version', 'print the version of the pipeline')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText(
      'after',
      `
Exit codes:
  ${EXIT.ok}  every file ended SUCCESS or WARNING (or the command succeeded)
  ${EXIT.failed}  at least one file ended FAILURE (or the execution asked for does not exist)
  ${EXIT.usage}  usage error: unknown option, missing file, invalid configuration, --engine spark
     without the Python environment (created by: npm run python-env)

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
  return program;
}

function defaultIo(): CliIo {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
  };
}

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const result = { exitCode: EXIT.ok as number };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof InvalidKeyError || e instanceof PythonEnvironmentMissingError) {
      io.err(`etl: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof Error && '$metadata' in e) {
      // An AWS service error (--aws): its name says what AWS refused.
      io.err(`etl: ${e.name}: ${e.message}`);
      return EXIT.failed;
    }
    throw e;
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
