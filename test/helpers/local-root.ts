/** Helpers for tests that run the local pipeline on real files. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import type { LocalNotification } from '../../local/runtime/local-pipeline';

/** The project root. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** A sample file of `samples/`. */
export const sample = (name: string): string => path.join(PROJECT_ROOT, 'samples', name);

/** A fresh, empty local root in the OS temp folder. */
export function tempRoot(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'etl-test-'));
}

/** Writes a CSV file into a temp folder and returns its path. */
export function writeCsv(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The notifications recorded under a local root. */
export function notifications(root: string): LocalNotification[] {
  const file = path.join(root, 'bucket', 'logs', 'notifications.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf-8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LocalNotification);
}

/** Every row of the Parquet files under a folder (hive partitions read back as columns). */
export async function readParquet(dir: string, pattern = '**/*.parquet'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const reader = await db.runAndReadAll(`SELECT * FROM read_parquet('${path.join(dir, pattern).replace(/'/g, "''")}', hive_partitioning = true)`);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** `extract/archived/<date>/a/b.<upload id>.csv` → `extract/archived/<date>/a/b.csv` (the name without the upload's id). */
export function withoutUploadId(key: string): string {
  return key.replace(/\.[0-9a-f]{8}(\.[^./]+)?$/, '$1');
}

/** Whether the bucket folder holds an archived or rejected copy named `plainKey` plus an upload id. */
export function hasUploadCopy(bucketDir: string, plainKey: string): boolean {
  const dir = path.join(bucketDir, path.dirname(plainKey));
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((name) => withoutUploadId(`${path.dirname(plainKey)}/${name}`) === plainKey && name !== path.basename(plainKey));
}
