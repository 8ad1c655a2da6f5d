/**
 * Which dataset configuration a command uses. One resolver for every command: `--config FILE`,
 * else `ETL_CONFIG`, else `etl.config.json` in the working directory, else the project's own.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { type EtlConfig, parseConfigText } from '../../core/config/dataset-config';
import { DEFAULT_CONFIG_PATH } from '../runtime/local-pipeline';
import { UsageError } from '../shared/errors';

/** The file name looked for in the working directory. */
export const CONFIG_FILE_NAME = 'etl.config.json';

/** Where the configuration was found, in the order they are tried. */
export const CONFIG_SOURCES = ['--config', 'ETL_CONFIG', 'working directory', 'project'] as const;

/** A config file and why it is the one. */
export interface ResolvedConfig {
  /** Absolute path of the file. */
  readonly path: string;
  readonly source: (typeof CONFIG_SOURCES)[number];
}

/**
 * The config file to use. Throws {@link UsageError} when `--config` or `ETL_CONFIG` names a file
 * that is not there (a relative one is taken from the working directory).
 * @example resolveConfig(undefined, { ETL_CONFIG: 'conf/etl.json' }, '/srv') // { path: '/srv/conf/etl.json', source: 'ETL_CONFIG' }
 */
export function resolveConfig(option: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ResolvedConfig {
  if (option !== undefined) return { path: existingFile(path.resolve(cwd, option), `--config ${option}`), source: '--config' };
  const fromEnv = env.ETL_CONFIG;
  if (fromEnv) return { path: existingFile(path.resolve(cwd, fromEnv), `ETL_CONFIG=${fromEnv}`), source: 'ETL_CONFIG' };
  const inWorkingDirectory = path.resolve(cwd, CONFIG_FILE_NAME);
  if (existsSync(inWorkingDirectory) && statSync(inWorkingDirectory).isFile()) return { path: inWorkingDirectory, source: 'working directory' };
  return { path: DEFAULT_CONFIG_PATH, source: 'project' };
}

/** Reads and validates the resolved file; a {@link ConfigError} names it. */
export function loadConfig(resolved: ResolvedConfig): EtlConfig {
  return parseConfigText(readFileSync(resolved.path, 'utf-8'), resolved.path);
}

/** `/abs/etl.config.json (working directory)`: the file and why it was taken. */
export function describeConfig(resolved: ResolvedConfig): string {
  return `${resolved.path} (${resolved.source})`;
}

function existingFile(file: string, given: string): string {
  if (!existsSync(file)) throw new UsageError(`${given}: no such file`);
  if (!statSync(file).isFile()) throw new UsageError(`${given}: not a file`);
  return file;
}
