/**
 * `etl run`: puts each file under `extract/` where its dataset matches, sends the S3 event
 * through the real trigger, waits for the terminal outcome. Used by `npm run demo` too.
 */
import { existsSync, statSync } from 'node:fs';

import type { LocalPipeline } from '../runtime/local-pipeline';
import { UsageError } from '../shared/errors';
import { type RunResult, runResult } from '../shared/run-result';
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
