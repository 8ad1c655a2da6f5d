/**
 * `etl watch`: the event-driven mode. A file watcher (chokidar) on `<root>/bucket/extract/`
 * emits the S3 ObjectCreated event of each new file into the real trigger, as S3 would.
 */
import chokidar from 'chokidar';

import { PREFIX } from '../../core/naming';
import type { LocalPipeline } from '../runtime/local-pipeline';
import { type RunResult, runResult } from './run-result';

/** Callbacks of the watcher. */
export interface WatchCallbacks {
  readonly onReady?: (dir: string) => void;
  readonly onResult?: (result: RunResult) => void;
  readonly onSkipped?: (key: string, reason: string) => void;
}

/**
 * Watches until SIGINT/SIGTERM (or `signal` aborts), then waits for running executions.
 * Files already in `extract/` at start are delivered too: an event missed while the watcher
 * was down is not lost, and one already processed maps to the same execution name.
 */
export async function watchBucket(pipeline: LocalPipeline, callbacks: WatchCallbacks, signal?: AbortSignal): Promise<void> {
  const dir = pipeline.bucket.pathOf('extract');
  const watcher = chokidar.watch(dir, {
    ignored: (file: string, stats?: { isFile(): boolean }) => {
      const key = file === dir ? 'extract/' : pipeline.bucket.keyOf(file);
      if (key.startsWith(PREFIX.archived) || key.startsWith(PREFIX.rejected) || key.endsWith('.partial')) return true;
      // As the bucket notification: only objects ending in .csv (either case).
      return stats?.isFile() === true && !/\.csv$/i.test(file);
    },
    // A file is announced once its size has been stable for a moment: S3 announces whole objects.
    awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 50 },
  });
  const onFile = async (file: string): Promise<void> => {
    const key = pipeline.bucket.keyOf(file);
    try {
      const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent(key));
      for (const skipped of triggered.skipped) callbacks.onSkipped?.(skipped.key, skipped.reason);
      for (const { executionName } of triggered.started) {
        const record = await pipeline.waitFor(executionName);
        callbacks.onResult?.(runResult(record, pipeline.store.events(executionName)));
      }
    } catch (e: unknown) {
      callbacks.onSkipped?.(key, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
  };
  watcher.on('add', (file) => void onFile(file));
  await new Promise<void>((resolve) => watcher.on('ready', () => resolve()));
  callbacks.onReady?.(dir);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await watcher.close();
  await pipeline.idle();
}
