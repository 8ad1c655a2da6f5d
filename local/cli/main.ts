/**
 * The `etl` command: run the pipeline locally on files, watch a folder, inspect executions.
 * Exit codes: 0 every file ended SUCCESS or WARNING, 1 any file ended FAILURE, 2 usage error.
 */
import '../runtime/node-compat';

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { SFNClient } from '@aws-sdk/client-sfn';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { ConfigError, InvalidKeyError } from '../../core/errors';
import { type ConsoleServer, DEFAULT_CONSOLE_PORT, startConsoleServer } from '../console/server';
import type { ExecutionStatus } from '../runtime/execution-store';
import { ENGINES, type EngineName } from '../runtime/engines/glue-job';
import { PythonEnvironmentMissingError } from '../runtime/engines/python-env';
import { loadLocalDefinition } from '../runtime/definition';
import { parseFaults } from '../runtime/faults';
import { ExecutionNotRedrivableError, LocalPipeline, type LocalNotification } from '../runtime/local-pipeline';
import { executionArn, formatHistoryEvent, listAwsExecutions, redriveAwsExecution, showAwsExecution } from './aws-executions';
import { StageProgress } from './progress';
import { formatRunResult, type RunResult, runResult } from '../shared/run-result';
import { runFiles } from './run-files';
import { UsageError } from '../shared/errors';
import { DEFAULT_STABLE_MS, watchBucket } from './watch';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const DEFAULT_ROOT = '.etl';

/** Task state names of the ASL, for --fault. */
function taskStates(): string[] {
  const states = loadLocalDefinition().States as Record<string, { Type: string }>;
  return Object.entries(states).filter(([, s]) => s.Type === 'Task').map(([name]) => name);
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The state machine ARN for --aws: the option, else ETL_STATE_MACHINE_ARN. */
function stateMachineArn(opts: { stateMachine?: string }): string {
  const arn = opts.stateMachine ?? process.env.ETL_STATE_MACHINE_ARN;
  if (!arn) throw new UsageError('--aws needs --state-machine ARN (or ETL_STATE_MACHINE_ARN)');
  return arn;
}

/** The Step Functions client for an ARN: the region of --region, else the ARN's own. */
function sfnClient(opts: { region?: string }, arn: string): SFNClient {
  const region = opts.region ?? /^arn:aws[\w-]*:states:([a-z0-9-]+):/.exec(arn)?.[1];
  if (!region) throw new UsageError(`${arn}: not a Step Functions ARN with a region; give --region`);
  return new SFNClient({ region });
}

/** With --aws: an execution ARN given as is, or a name under the state machine. */
function awsExecutionArn(opts: { stateMachine?: string }, nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : executionArn(stateMachineArn(opts), nameOrArn);
}

/** A DuckDB memory size: a number and a unit (`512MB`, `2GB`, `1.5GiB`). */
function memorySize(value: string): string {
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(value.trim())) {
    throw new InvalidArgumentError('must be a size such as 512MB or 2GB');
  }
  return value.trim();
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free one)');
  return n;
}

/** Where the CLI writes its lines (tests capture them). */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Builds the program; actions report their exit code through `result` (never process.exitCode). */
export function buildProgram(io: CliIo = defaultIo(), result: { exitCode: number } = { exitCode: EXIT.ok }): Command {
  const program = new Command('etl')
    .description('Run the ETL pipeline locally: the same state machine, handlers and transform as on AWS.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText(
      'after',
      `
Exit codes:
  0  every file ended SUCCESS or WARNING (or the command succeeded)
  1  at least one file ended FAILURE (or the execution asked for does not exist)
  2  usage error: unknown option, missing file, invalid configuration, --engine spark
     without the Python environment (created by: npm run python-env)

The local root (default ${DEFAULT_ROOT}/ in the working directory) holds:
  bucket/{extract,load,logs,scripts}   the folder standing in for the S3 bucket
  bucket/logs/notifications.jsonl      every SNS notification
  bucket/logs/lambda/*.log             Powertools log lines and EMF metrics
  executions.sqlite                    the execution history`,
    );

  const rootOption = () => new Option('--root <dir>', 'local root folder').default(DEFAULT_ROOT);
  const configOption = () => new Option('--config <file>', 'dataset configuration file (default: etl.config.json of the project)');
  const faultOption = () =>
    new Option('--fault <state=kind>', 'make a Task state fail: kind fail (its real failure) or timeout; repeatable, also ETL_FAULTS').argParser(collect).default([]);
  const engineOption = () =>
    new Option('--engine <name>', 'what runs the Transform state: duckdb (in-process) or spark (glue/etl_runner.py on local PySpark)')
      .choices(ENGINES)
      .default('duckdb');
  const awsOptions = (command: Command) =>
    command
      .option('--aws', 'use AWS Step Functions (credentials from the usual AWS SDK chain) instead of the local history')
      .option('--state-machine <arn>', 'with --aws: the state machine ARN (default: ETL_STATE_MACHINE_ARN)')
      .option('--region <region>', 'with --aws: the AWS region (default: from the environment)');
  const open = (
    opts: { root: string; config?: string; engine?: EngineName; maxConcurrentRuns?: number; memoryLimit?: string; fault?: string[] },
    extra: Partial<ConstructorParameters<typeof LocalPipeline>[0]> = {},
  ) => {
    const specs = [...(opts.fault ?? []), ...(process.env.ETL_FAULTS ? [process.env.ETL_FAULTS] : [])];
    const root = path.resolve(opts.root);
    if (existsSync(root) && !statSync(root).isDirectory()) throw new UsageError(`--root ${opts.root}: not a folder`);
    const configPath = opts.config ? path.resolve(opts.config) : undefined;
    if (configPath && !existsSync(configPath)) throw new UsageError(`--config ${opts.config}: no such file`);
    return new LocalPipeline({
      root,
      configPath,
      maxConcurrentRuns: opts.maxConcurrentRuns,
      engine: opts.engine,
      memoryLimit: opts.memoryLimit,
      faults: specs.length > 0 ? parseFaults(specs, taskStates()) : undefined,
      ...extra,
    });
  };

  program
    .command('run')
    .description('put each CSV under extract/, send its S3 event to the trigger, wait for the outcome; one line per file')
    .argument('<files...>', 'CSV files to upload')
    .addOption(rootOption())
    .addOption(configOption())
    .option('--dataset <name>', 'upload under a key that this dataset matches')
    .option('--json', 'print one JSON object per file')
    .addOption(engineOption())
    .option('--memory-limit <size>', 'DuckDB memory limit of the transform, e.g. 1GB', memorySize, '2GB')
    .option('--max-concurrent-runs <n>', 'Glue job concurrency limit (beyond it the ASL retries)', positiveInt, 2)
    .addOption(faultOption())
    .action(async (files: string[], opts: { root: string; config?: string; dataset?: string; json?: boolean; engine: EngineName; memoryLimit: string; fault: string[] }) => {
      const progress = new StageProgress();
      const pipeline = open(opts, { onStateEntered: (name, state) => progress.entered(name, state) });
      try {
        const results = await runFiles(pipeline, files, {
          dataset: opts.dataset,
          onResult: (result) => {
            progress.done(result.executionName);
            io.out(opts.json ? JSON.stringify(result) : formatRunResult(result));
          },
        });
        result.exitCode = results.some((r) => r.status === 'FAILURE') ? EXIT.failed : EXIT.ok;
      } finally {
        progress.clear();
        pipeline.close();
      }
    });

  program
    .command('watch')
    .description('event-driven mode: process CSV files as they are dropped into <root>/bucket/extract/ (Ctrl-C stops)')
    .addOption(rootOption())
    .addOption(configOption())
    .option('--json', 'print one JSON object per file')
    .addOption(engineOption())
    .option('--max-concurrent-runs <n>', 'Glue job concurrency limit (beyond it the ASL retries)', positiveInt, 2)
    .addOption(faultOption())
    .option('--stable-ms <ms>', 'a file is taken once it has not changed for this long', positiveInt, DEFAULT_STABLE_MS)
    .action(async (opts: { root: string; config?: string; json?: boolean; engine: EngineName; maxConcurrentRuns: number; stableMs: number; fault: string[] }) => {
      const pipeline = open(opts, { onNotification: (n: LocalNotification) => io.err(`notification → ${n.topic}: ${n.subject ?? ''}`) });
      await watchBucket(
        pipeline,
        {
          // The banner goes to stderr: with --json, stdout carries JSON lines only.
          onReady: (dir) => (opts.json ? io.err : io.out)(`watching ${dir} (Ctrl-C to stop)`),
          onResult: (result: RunResult) => io.out(opts.json ? JSON.stringify(result) : formatRunResult(result)),
          onSkipped: (key, reason) => io.err(`skipped ${key}: ${reason}`),
          onDuplicate: (key, executionName, archived) =>
            io.err(`duplicate upload ${key}: the same bytes as execution ${executionName}${archived ? '; archived, removed from extract/' : ''}`),
        },
        undefined,
        { stableMs: opts.stableMs },
      );
      pipeline.close();
    });

  program
    .command('console')
    .description('serve the execution console on 127.0.0.1: the graph, each execution\'s path, events and files; redrive and upload (Ctrl-C stops)')
    .addOption(rootOption())
    .addOption(configOption())
    .addOption(engineOption())
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', portNumber, DEFAULT_CONSOLE_PORT)
    .action(async (opts: { root: string; config?: string; engine: EngineName; port: number }) => {
      const root = path.resolve(opts.root);
      let server: ConsoleServer;
      try {
        server = await startConsoleServer({ root, port: opts.port, engine: opts.engine, configPath: opts.config ? path.resolve(opts.config) : undefined });
      } catch (e: unknown) {
        if ((e as { code?: string }).code === 'EADDRINUSE') throw new UsageError(`port ${opts.port} is in use on 127.0.0.1; choose another with --port N (0 picks a free one)`);
        throw e;
      }
      io.out(`console: ${server.url} (root ${root}; Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });

  const executions = program.command('executions').description('inspect the local execution history');
  awsOptions(
    executions
      .command('list')
      .description('executions, newest first')
      .addOption(rootOption())
      .addOption(new Option('--status <status>', 'only executions with this status').choices(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT', 'PENDING_REDRIVE']))
      .option('--limit <n>', 'at most this many', positiveInt, 50)
      .option('--json', 'print one JSON object per execution'),
  ).action(async (opts: { root: string; status?: ExecutionStatus; limit: number; json?: boolean; aws?: boolean; stateMachine?: string; region?: string }) => {
      if (opts.aws) {
        const arn = stateMachineArn(opts);
        for (const line of await listAwsExecutions(sfnClient(opts, arn), arn, opts)) io.out(line);
        return;
      }
      const pipeline = open(opts);
      try {
        for (const record of pipeline.store.list({ status: opts.status, limit: opts.limit })) {
          if (opts.json) io.out(JSON.stringify(record));
          else io.out([record.status.padEnd(9), record.startDate, record.name, record.inputKey, record.error ?? ''].join('  ').trimEnd());
        }
      } finally {
        pipeline.close();
      }
    });
  awsOptions(
    executions
      .command('show')
      .description('one execution: status, input, outcome and its state events')
      .argument('<name>', 'execution name (or, with --aws, an execution ARN)')
      .addOption(rootOption())
      .option('--json', 'print the execution and its events as JSON'),
  ).action(async (name: string, opts: { root: string; json?: boolean; aws?: boolean; stateMachine?: string; region?: string }) => {
      if (opts.aws) {
        const arn = awsExecutionArn(opts, name);
        const shown = await showAwsExecution(sfnClient(opts, arn), arn);
        if (opts.json) io.out(JSON.stringify(shown, null, 2));
        else for (const line of [...shown.summary, '  events:', ...shown.events.map(formatHistoryEvent)]) io.out(line);
        return;
      }
      const pipeline = open(opts);
      try {
        const record = pipeline.store.get(name);
        if (!record) {
          io.err(`no execution named ${name} under ${path.resolve(opts.root)}`);
          result.exitCode = EXIT.failed;
          return;
        }
        const events = pipeline.store.events(name);
        if (opts.json) {
          io.out(JSON.stringify({ execution: record, events }, null, 2));
          return;
        }
        const redriven = record.redriveCount > 0 ? ` (redriven ${record.redriveCount}×)` : '';
        io.out(`${record.name}\n  status: ${record.status}${redriven}\n  started: ${record.startDate}\n  stopped: ${record.stopDate ?? '-'}`);
        if (record.error) io.out(`  error: ${record.error}: ${record.cause ?? ''}`);
        if (record.status !== 'RUNNING') io.out(`  outcome: ${formatRunResult(runResult(record, events))}`);
        io.out('  events:');
        for (const event of events) io.out(`    ${event.timestamp}  ${event.type.padEnd(16)} ${event.state ?? ''}`.trimEnd());
      } finally {
        pipeline.close();
      }
    });
  awsOptions(
    executions
      .command('redrive')
      .description('resume a FAILED or ABORTED execution at the state that failed (same input; succeeded states are not rerun)')
      .argument('<name>', 'execution name (or, with --aws, an execution ARN)')
      .addOption(rootOption())
      .addOption(configOption())
      .addOption(engineOption())
      .addOption(faultOption())
      .option('--json', 'print the outcome as one JSON object'),
  ).action(async (name: string, opts: { root: string; config?: string; engine: EngineName; fault: string[]; json?: boolean; aws?: boolean; stateMachine?: string; region?: string }) => {
    if (opts.aws) {
      const arn = awsExecutionArn(opts, name);
      const date = await redriveAwsExecution(sfnClient(opts, arn), arn);
      io.out(`redrive started: ${arn} at ${date?.toISOString() ?? 'now'}; watch it with: etl executions show --aws ${arn}`);
      return;
    }
    const progress = new StageProgress();
    const pipeline = open(opts, { onStateEntered: (execution, state) => progress.entered(execution, state) });
    try {
      const { resumedAt, redriveCount } = pipeline.redrive(name);
      io.err(`redrive ${redriveCount} of ${name}: resuming at ${resumedAt}`);
      const record = await pipeline.waitFor(name);
      progress.done(name);
      const outcome = runResult(record, pipeline.store.events(name));
      io.out(opts.json ? JSON.stringify(outcome) : formatRunResult(outcome));
      result.exitCode = record.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
    } catch (e: unknown) {
      if (!(e instanceof ExecutionNotRedrivableError)) throw e;
      io.err(`etl: ${e.message}`);
      result.exitCode = EXIT.failed;
    } finally {
      progress.clear();
      pipeline.close();
    }
  });
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
