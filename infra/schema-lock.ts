/**
 * The schema lock: `etl.schema-lock.json` beside the dataset config holds each dataset's schema
 * as last synthesized. The synth refuses a config that is not a compatible evolution of it (a
 * `SchemaEvolutionError`, as Validate refuses it at run time against the bucket's record), writes
 * it when absent and updates it on a compatible evolution, like `cdk.context.json`: commit it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { EtlConfig } from '../core/config/dataset-config';
import { loadedSchemaKey } from '../core/naming';
import { evolveSchemaLock, formatSchemaLock, parseSchemaLock } from '../core/schema-guard';

/** The lock file of the deployed config, relative to the project root. */
export const SCHEMA_LOCK_FILE = 'etl.schema-lock.json';

/**
 * Checks `config` against the lock at `lockPath` and writes the lock when it is absent or the
 * config evolved compatibly; returns whether it wrote. Throws `SchemaEvolutionError` (nothing
 * written) when a dataset's change is not a compatible evolution, `ConfigError` when the lock is unreadable.
 */
export function enforceSchemaLock(config: EtlConfig, lockPath: string): boolean {
  const name = path.basename(lockPath);
  const lock = existsSync(lockPath) ? parseSchemaLock(readFileSync(lockPath, 'utf-8'), name) : undefined;
  const evolved = evolveSchemaLock(lock, config, {
    location: `the schema locked in ${name}`,
    reset: `delete the dataset's entry in ${name}, and its ${loadedSchemaKey('<dataset>')} in the bucket`,
  });
  if (!evolved.changed) return false;
  writeFileSync(lockPath, formatSchemaLock(evolved.lock));
  return true;
}
