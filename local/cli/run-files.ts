/**
 * `etl run`: puts each file under `extract/` where its dataset matches, sends the S3 event
 * through the real trigger, waits for the terminal outcome. Used by `npm run demo` too.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import type { LocalPipeline } from '../runtime/local-pipeline';
import { UsageError } from '../shared/errors';
import { DEFAULT_ROOT } from './options';
import { duplicateResult, type RunResult, runResult } from '../shared/run-result';
import { uploadKey } from '../shared/upload-key';

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
    const runs = [
      ...triggered.started.map((s) => ({ name: s.executionName, duplicate: false })),
      ...triggered.duplicates.map((s) => ({ name: s.executionName, duplicate: true })),
    ];
    if (runs.length === 0) {
      throw new UsageError(`${file}: the trigger skipped ${key} (${triggered.skipped.map((s) => s.reason).join('; ')})`);
    }
    for (const { name, duplicate } of runs) {
      // A duplicate of an execution of this process (the same file twice) is told once that one ends.
      const record = await pipeline.waitFor(name);
      const events = pipeline.store.events(name);
      const result = duplicate ? duplicateResult(record, events, file, { root: rootArgument(pipeline) }) : runResult(record, events, file);
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}

/** The `--root` a command for this pipeline's root needs: none for the default one. */
export function rootArgument(pipeline: LocalPipeline): string | undefined {
  if (path.resolve(pipeline.root) === path.resolve(DEFAULT_ROOT)) return undefined;
  // As short as it stays clear: relative inside the working directory, else absolute.
  const relative = path.relative(process.cwd(), path.resolve(pipeline.root));
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(pipeline.root) : relative;
}
