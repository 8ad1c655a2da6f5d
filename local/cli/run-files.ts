/**
 * `etl run`: puts each file under `extract/` where its dataset matches, sends the S3 event
 * through the real trigger, waits for the terminal outcome. Used by `npm run demo` too.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { findDatasetForKey, getDataset } from '../../core/config/dataset-config';
import type { LocalPipeline } from '../runtime/local-pipeline';
import { type RunResult, runResult } from './run-result';

/** A problem with the command line itself (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The key a file is uploaded under: `extract/<file name>`, or with `dataset` set, the first of
 * `extract/<file name>`, `extract/<dataset>/<file name>`, `extract/<dataset>/<dataset>-<file name>`
 * that the dataset's `match` glob covers.
 */
export function uploadKey(pipeline: LocalPipeline, file: string, dataset?: string): string {
  const base = path.basename(file);
  if (dataset === undefined) return `extract/${base}`;
  const { match } = getDataset(pipeline.config, dataset);
  const candidates = [`extract/${base}`, `extract/${dataset}/${base}`, `extract/${dataset}/${dataset}-${base}`];
  const key = candidates.find((k) => findDatasetForKey(pipeline.config, k)?.name === dataset);
  if (!key) {
    throw new UsageError(`${base}: no key under extract/ built from this file name matches dataset ${dataset} (${match}); rename the file`);
  }
  return key;
}

/** Runs the files one after another; `onResult` sees each result as soon as it is known. */
export async function runFiles(
  pipeline: LocalPipeline,
  files: readonly string[],
  options: { dataset?: string; onResult?: (result: RunResult) => void },
): Promise<RunResult[]> {
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file}: no such file`);
  }
  const keys = files.map((file) => uploadKey(pipeline, file, options.dataset));
  const results: RunResult[] = [];
  for (const [index, file] of files.entries()) {
    const key = keys[index];
    pipeline.put(file, key);
    const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent(key));
    const names = [...triggered.started, ...triggered.duplicates].map((s) => s.executionName);
    if (names.length === 0) {
      throw new UsageError(`${file}: the trigger skipped ${key} (${triggered.skipped.map((s) => s.reason).join('; ')})`);
    }
    for (const name of names) {
      const record = await pipeline.waitFor(name);
      const result = runResult(record, pipeline.store.events(name), file);
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}
