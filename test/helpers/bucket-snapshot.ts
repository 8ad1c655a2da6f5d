/**
 * What a run left in a bucket — S3's (moto) or the local folder, through the same
 * {@link TransformStore} interface — in a form two runs of the same file can be compared in:
 * every key and every object's content, with what names the run (its execution, its upload, the
 * bucket, the state's version folder, the job run id) replaced by a placeholder, and the clock's
 * fields (start, end, durations) left out. Parquet objects compare by their rows (read by DuckDB).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { TransformStore } from '../../handlers/adapters/object-store';
import { readParquet } from './local-root';

/** The names one run gives its outputs (from its execution input). */
export interface RunNames {
  readonly bucket: string;
  readonly executionName: string;
  readonly uploadId: string;
  readonly loadId: string;
  /** The upload's content id (the bucket's checksum, or the ETag). */
  readonly version: string;
  readonly versionId: string;
}

/** Fields that hold the time a run happened or took: the run report's (core/run-report.ts) and the outcome's. */
const CLOCK_FIELDS = new Set(['startedAt', 'finishedAt', 'durationMs', 'transformDurationMs']);

/** One object, comparable across runs. */
export type SnapshotObject =
  | { readonly kind: 'parquet'; readonly rows: readonly unknown[] }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'text'; readonly text: string };

/** The objects of a bucket by normalized key. */
export type BucketSnapshot = Readonly<Record<string, SnapshotObject>>;

/**
 * Replaces the runs' names in `text` with placeholders numbered by run (`<execution#0>`, …; the
 * longest name first: one may hold another).
 */
export function normalizer(runs: readonly RunNames[]): (text: string) => string {
  const pairs = runs
    .flatMap((names, n): [string, string][] => [
      [names.executionName, `<execution#${n}>`],
      // First of equal lengths: the load id is the upload's (reuploads: append) or the key's, and names the load's files.
      [names.loadId, `<load#${n}>`],
      [names.uploadId, `<upload#${n}>`],
      // The archived and rejected copies carry the upload id's first 8 digits (core/naming.ts).
      [`.${names.uploadId.slice(0, 8)}.`, `.<upload#${n}>.`],
      // One placeholder for both: the local folder names a version by its bytes' MD5, its content id too.
      [names.version, `<object-version#${n}>`],
      [names.versionId, `<object-version#${n}>`],
      [names.bucket, '<bucket>'],
    ])
    .filter(([name]) => name.length > 0)
    .sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [name, placeholder] of pairs) out = out.split(name).join(placeholder);
    // A version of the dataset's state is a folder named by the UTC time and the job run.
    return (
      out
        .replace(/\/versions\/[^/\s"]+\//g, '/versions/<state-version>/')
        .replace(/\blambda_[0-9a-f]{32}\b/g, '<job-run>')
        // A notification's text names the transform's duration, and so does the JSON in it.
        .replace(/duration: \d+ ms/g, 'duration: <ms> ms')
        .replace(/"transformDurationMs":\d+/g, '"transformDurationMs":"<ms>"')
    );
  };
}

/** JSON with the clock's fields left out and every string normalized. */
export function normalizeJson(value: unknown, normalize: (text: string) => string): unknown {
  if (typeof value === 'string') return normalize(value);
  if (Array.isArray(value)) return value.map((item) => normalizeJson(item, normalize));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !CLOCK_FIELDS.has(key))
      .map(([key, item]) => [key, normalizeJson(item, normalize)]),
  );
}

/** Rows as JSON values (DuckDB's BIGINT and DECIMAL as strings), normalized, in a stable order. */
function normalizeRows(rows: readonly Record<string, unknown>[], normalize: (text: string) => string): unknown[] {
  const json = rows.map((row) => JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return json
    .map(normalize)
    .sort()
    .map((text) => JSON.parse(text) as unknown);
}

/**
 * Every object under `prefixes` in `bucket`, each fetched into `scratchDir`, by normalized key;
 * keys `exclude` accepts are left out.
 */
export async function snapshotBucket(
  store: TransformStore,
  bucket: string,
  options: {
    readonly prefixes: readonly string[];
    /** The names of every run that wrote to the bucket, in order. */
    readonly runs: readonly RunNames[];
    readonly scratchDir: string;
    readonly exclude?: (key: string) => boolean;
  },
): Promise<BucketSnapshot> {
  const normalize = normalizer(options.runs);
  const snapshot: Record<string, SnapshotObject> = {};
  let n = 0;
  for (const prefix of options.prefixes) {
    for (const key of await store.listKeys(bucket, prefix)) {
      if (options.exclude?.(key)) continue;
      n += 1;
      const dir = path.join(options.scratchDir, String(n));
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, path.basename(key));
      if (!(await store.fetchToFile(bucket, key, undefined, file))) throw new Error(`${key} was listed but cannot be read`);
      const normalizedKey = normalize(key);
      if (key.endsWith('.parquet')) {
        snapshot[normalizedKey] = { kind: 'parquet', rows: normalizeRows(await readParquet(dir, path.basename(file)), normalize) };
      } else if (key.endsWith('.json')) {
        snapshot[normalizedKey] = { kind: 'json', value: normalizeJson(JSON.parse(readFileSync(file, 'utf-8')), normalize) };
      } else {
        snapshot[normalizedKey] = { kind: 'text', text: normalize(readFileSync(file, 'utf-8')) };
      }
    }
  }
  return snapshot;
}
