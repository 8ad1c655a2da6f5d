/**
 * A data file (CSV, TSV, gzip-compressed or not) uploaded from the page goes where `etl run` puts a file: under `extract/` (the key
 * `uploadKey` picks), then its S3 event through the real trigger. The body is bounded: past
 * `maxBytes` the upload is refused, before it is read when its length is announced.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline as pipe, Transform } from 'node:stream';

import { ConfigError } from '../../core/errors';
import { DATA_FILE_SUFFIXES, isDataFileKey } from '../../core/naming';
import type { LocalPipeline } from '../runtime/local-pipeline';
import { UsageError } from '../shared/errors';
import { uploadKey } from '../shared/upload-key';
import type { UploadAnswer } from './api-types';
import { InvalidUploadError, UploadTooLargeError } from './errors';

/** A file name the console takes: a plain name, no folders, ending in a data file suffix (core/naming.ts). */
const FILE_NAME = /^[\w][\w.\- ]{0,200}$/;

/** Stores the request body under `extract/` and delivers its S3 event; the run goes on in the background. */
export async function receiveUpload(
  request: IncomingMessage,
  pipeline: LocalPipeline,
  options: { readonly name: string | null; readonly dataset: string | null; readonly maxBytes: number },
): Promise<UploadAnswer> {
  const name = options.name ?? '';
  if (!FILE_NAME.test(name) || !isDataFileKey(name)) {
    throw new InvalidUploadError(
      `"${name}" is not a file name the console accepts: letters, digits, spaces, . _ - and one of the extensions ${DATA_FILE_SUFFIXES.join(' ')}`,
    );
  }
  const announced = Number(request.headers['content-length'] ?? NaN);
  if (announced > options.maxBytes) throw new UploadTooLargeError(tooLarge(announced, options.maxBytes));
  const folder = mkdtempSync(path.join(os.tmpdir(), 'etl-console-upload-'));
  const file = path.join(folder, name);
  try {
    const key = keyFor(pipeline, file, options.dataset);
    await save(request, file, options.maxBytes);
    pipeline.put(file, key);
    const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent(key));
    const executions = [...triggered.started, ...triggered.duplicates].map((s) => s.executionName);
    if (executions.length === 0) {
      throw new InvalidUploadError(`the trigger skipped ${key}: ${triggered.skipped.map((s) => s.reason).join('; ') || 'no reason given'}`);
    }
    return { key, executions };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function keyFor(pipeline: LocalPipeline, file: string, dataset: string | null): string {
  try {
    return uploadKey(pipeline, file, dataset ?? undefined);
  } catch (e: unknown) {
    if (e instanceof UsageError || e instanceof ConfigError) throw new InvalidUploadError(e.message, { cause: e });
    throw e;
  }
}

/** Streams the body to `file`, refusing it once it grows past `maxBytes`. */
function save(request: IncomingMessage, file: string, maxBytes: number): Promise<void> {
  let received = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > maxBytes) done(new UploadTooLargeError(tooLarge(received, maxBytes, true)));
      else done(null, chunk);
    },
  });
  return new Promise((resolve, reject) => {
    pipe(request, limit, createWriteStream(file), (e) => (e ? reject(e) : resolve()));
  });
}

function tooLarge(bytes: number, maxBytes: number, atLeast = false): string {
  return `the file is ${atLeast ? 'more than ' : ''}${size(atLeast ? maxBytes : bytes)}; the console accepts uploads up to ${size(maxBytes)} (use etl run for larger files)`;
}

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
