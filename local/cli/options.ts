/** The options several commands share, their parsers, and the local pipeline they open. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { InvalidArgumentError, Option } from 'commander';

import { loadLocalDefinition } from '../runtime/definition';
import { ENGINES, type EngineName } from '../runtime/engines/glue-job';
import { parseFaults } from '../runtime/faults';
import { LocalPipeline } from '../runtime/local-pipeline';
import { UsageError } from '../shared/errors';
import { resolveConfig } from './config-file';

/** The local root when --root is not given, in the working directory. */
export const DEFAULT_ROOT = '.etl';

/** The options that open a local pipeline; a command has those it lists. */
export interface PipelineOptions {
  readonly root: string;
  readonly config?: string;
  readonly engine?: EngineName;
  readonly maxConcurrentRuns?: number;
  readonly memoryLimit?: string;
  readonly fault?: readonly string[];
}

/** Task state names of the ASL, for --fault. */
function taskStates(): string[] {
  const states = loadLocalDefinition().States as Record<string, { Type: string }>;
  return Object.entries(states)
    .filter(([, s]) => s.Type === 'Task')
    .map(([name]) => name);
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** A DuckDB memory size: a number and a unit (`512MB`, `2GB`, `1.5GiB`). */
export function memorySize(value: string): string {
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(value.trim())) {
    throw new InvalidArgumentError('must be a size such as 512MB or 2GB');
  }
  return value.trim();
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free one)');
  return n;
}

export const rootOption = (): Option => new Option('--root <dir>', 'local root folder').default(DEFAULT_ROOT);

export const configOption = (): Option =>
  new Option('--config <file>', `dataset configuration file (default: ETL_CONFIG, else etl.config.json in the working directory, else the project's)`);

export const jsonOption = (what: string): Option => new Option('--json', `${what}; stdout carries JSON lines only (errors too)`);

export const faultOption = (): Option =>
  new Option(
    '--fault <state=kind>',
    'make a Task state fail: kind fail (its real failure), timeout, or oom (a Lambda step out of memory); repeatable, also ETL_FAULTS',
  )
    .argParser(collect)
    .default([]);

// No default: given, it names the engine of every file (the Glue route, the fast path skipped);
// without it, ChooseEngine's size rule decides and the Glue job runs on duckdb.
export const engineOption = (): Option =>
  new Option(
    '--engine <name>',
    "run every file's transform on this engine, as the Glue job (the fast path skipped): duckdb (in-process) or spark (glue/etl_runner.py on local PySpark); without it, files up to their dataset's fastPathMaxBytes take the fast path and larger ones the Glue job on duckdb",
  ).choices(ENGINES);

// A redrive keeps the route its execution took (core/redrive.ts carries forceGlueJob): the
// engine only says what runs the Glue job, if the redrive reaches it.
export const redriveEngineOption = (): Option =>
  new Option(
    '--engine <name>',
    'the engine of the Glue job if the redrive runs it: duckdb (in-process) or spark (glue/etl_runner.py on local PySpark); the route stays the one the execution took (the fast path or the Glue job)',
  ).choices(ENGINES);

/**
 * Opens the local pipeline the options name, with the config {@link resolveConfig} finds; throws
 * {@link UsageError} for a root or config that is not there.
 */
export function openPipeline(opts: PipelineOptions, extra: Partial<ConstructorParameters<typeof LocalPipeline>[0]> = {}): LocalPipeline {
  const specs = [...(opts.fault ?? []), ...(process.env.ETL_FAULTS ? [process.env.ETL_FAULTS] : [])];
  const root = path.resolve(opts.root);
  if (existsSync(root) && !statSync(root).isDirectory()) throw new UsageError(`--root ${opts.root}: not a folder`);
  return new LocalPipeline({
    root,
    configPath: resolveConfig(opts.config).path,
    maxConcurrentRuns: opts.maxConcurrentRuns,
    engine: opts.engine,
    forceGlueJob: opts.engine !== undefined,
    memoryLimit: opts.memoryLimit,
    faults: specs.length > 0 ? parseFaults(specs, taskStates()) : undefined,
    ...extra,
  });
}
