/**
 * `etl watch`: the event-driven mode. A file watcher (chokidar) on `<root>/bucket/extract/`
 * emits the S3 ObjectCreated event of each complete file into the real trigger, as S3 would:
 * a file is announced once it has stopped changing, and each overwrite is a new version.
 */
import chokidar from 'chokidar';

import { DATA_FILE_SUFFIXES, PREFIX, isDataFileKey } from '../../core/naming';
import { type SettledDuplicate, settleDuplicate } from '../../handlers/duplicate-upload';
import type { LocalPipeline } from '../runtime/local-pipeline';
import { duplicateResult, type RunResult, runResult } from '../shared/run-result';
import { rootArgument } from './run-files';

/** Callbacks of the watcher. */
export interface WatchCallbacks {
  readonly onReady?: (dir: string) => void;
  readonly onResult?: (result: RunResult) => void;
  /** A file that is not run, and why: it stays where it is. */
  readonly onSkipped?: (key: string, reason: string) => void;
  /**
   * The same bytes were uploaded again: no new execution; `archived` once its bytes are; `of` is
   * that execution as it stands (its status, its redrive command when it has one).
   */
  readonly onDuplicate?: (key: string, executionName: string, archived: boolean, of: RunResult) => void;
}

/** Why a file whose name the bucket's notifications leave out is not run (core/naming.ts). */
export const NOT_A_DATA_FILE = `not a data file (only ${DATA_FILE_SUFFIXES.join(', ')} are taken, in any case); left where it is`;

/** How long a file must stay unchanged before it is taken as complete. */
export const DEFAULT_STABLE_MS = 2000;

/**
 * Watches until SIGINT/SIGTERM (or `signal` aborts), then waits for running executions.
 * Files already in `extract/` at start are delivered too: an event missed while the watcher
 * was down is not lost, and one already processed maps to the same execution name.
 */
export async function watchBucket(
  pipeline: LocalPipeline,
  callbacks: WatchCallbacks,
  signal?: AbortSignal,
  options: { readonly stableMs?: number } = {},
): Promise<void> {
  const dir = pipeline.bucket.pathOf('extract');
  const watcher = chokidar.watch(dir, {
    ignored: (file: string) => {
      const key = file === dir ? 'extract/' : pipeline.bucket.keyOf(file);
      return key.startsWith(PREFIX.archived) || key.startsWith(PREFIX.rejected) || key.endsWith('.partial');
    },
    // A file is announced once its size has stayed the same for `stableMs`: S3 announces whole
    // objects, and a writer that pauses between chunks must not have half a file processed.
    awaitWriteFinish: { stabilityThreshold: options.stableMs ?? DEFAULT_STABLE_MS, pollInterval: 100 },
  });
  // The files already said to be no data file: said once, not at each change.
  const notData = new Set<string>();
  const onFile = async (file: string): Promise<void> => {
    const key = pipeline.bucket.keyOf(file);
    if (!isDataFileKey(key)) {
      // As the bucket's notifications, which S3 sends for the data files' suffixes only; said, as S3 cannot.
      if (!notData.has(key)) callbacks.onSkipped?.(key, NOT_A_DATA_FILE);
      notData.add(key);
      return;
    }
    try {
      const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent(key));
      for (const skipped of triggered.skipped) callbacks.onSkipped?.(skipped.key, skipped.reason);
      for (const duplicate of triggered.duplicates) {
        const archived = await archiveDuplicate(pipeline, duplicate);
        // As it stands now: a redelivered event of a running execution is told at once.
        const record = pipeline.store.get(duplicate.executionName) ?? (await pipeline.waitFor(duplicate.executionName));
        const of = duplicateResult(record, pipeline.store.events(duplicate.executionName), null, { root: rootArgument(pipeline) });
        callbacks.onDuplicate?.(key, duplicate.executionName, archived, of);
      }
      for (const { executionName } of triggered.started) {
        const record = await pipeline.waitFor(executionName);
        callbacks.onResult?.(runResult(record, pipeline.store.events(executionName)));
      }
    } catch (e: unknown) {
      callbacks.onSkipped?.(key, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
  };
  watcher.on('add', (file) => void onFile(file));
  // An overwrite is a new version of the object: a new upload when its bytes are new.
  watcher.on('change', (file) => void onFile(file));
  watcher.on('unlink', (file) => notData.delete(pipeline.bucket.keyOf(file)));
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

/**
 * A re-upload of bytes already taken (`cp -p`, `rsync -a`, `mv` of the same file). The trigger
 * settled it (handlers/duplicate-upload.ts). A duplicate it left because the first execution had
 * not archived its input yet is settled again here, once that execution has ended. Locally we
 * can wait for it; on AWS the trigger cannot. Returns whether the copy left extract/ for the archive.
 */
async function archiveDuplicate(pipeline: LocalPipeline, duplicate: SettledDuplicate): Promise<boolean> {
  if (duplicate.disposition !== 'left') return duplicate.disposition === 'archived';
  await pipeline.waitFor(duplicate.executionName);
  const settled = await settleDuplicate({ store: pipeline.bucket, executions: pipeline.executions }, duplicate);
  return settled.disposition === 'archived';
}
