/**
 * The local stand-in for the S3 bucket: a folder, `<root>/bucket/`, with the bucket's layout
 * (`extract/`, `load/`, `logs/`, `scripts/`). Keys map to relative paths and can never resolve
 * outside the folder.
 */
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

import { InvalidKeyError, ObjectNotFoundError } from '../core/errors';
import { assertSafeKey } from '../core/naming';
import type { ObjectStore } from '../handlers/adapters/object-store';

/** The bucket name the local runtime uses in events and execution inputs. */
export const LOCAL_BUCKET = 'local-etl-bucket';

/** Top-level folders created in a new local bucket. */
const LAYOUT = ['extract', 'load', 'logs', 'scripts'];

/** {@link ObjectStore} over a folder. */
export class FolderBucket implements ObjectStore {
  /** Absolute path of the bucket folder. */
  readonly dir: string;

  constructor(root: string, readonly name: string = LOCAL_BUCKET) {
    this.dir = path.resolve(root, 'bucket');
    for (const folder of LAYOUT) mkdirSync(path.join(this.dir, folder), { recursive: true });
  }

  /** The file path of a key; throws {@link InvalidKeyError} for a key that would leave the folder. */
  pathOf(key: string): string {
    assertSafeKey(key);
    const resolved = path.resolve(this.dir, key);
    if (!resolved.startsWith(this.dir + path.sep)) throw new InvalidKeyError(`object key "${key}" escapes the bucket`);
    return resolved;
  }

  /** The key of a file path inside the bucket folder. */
  keyOf(filePath: string): string {
    const relative = path.relative(this.dir, path.resolve(filePath));
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new InvalidKeyError(`${filePath} is not inside the bucket folder ${this.dir}`);
    }
    return relative.split(path.sep).join('/');
  }

  async head(bucket: string, key: string): Promise<{ sizeBytes: number } | undefined> {
    this.checkBucket(bucket);
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { sizeBytes: info.size } : undefined;
    } catch (e: unknown) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async read(bucket: string, key: string): Promise<Readable> {
    this.checkBucket(bucket);
    const file = this.pathOf(key);
    if (!existsSync(file)) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    return createReadStream(file);
  }

  async readText(bucket: string, key: string): Promise<string | undefined> {
    this.checkBucket(bucket);
    try {
      return await readFile(this.pathOf(key), 'utf-8');
    } catch (e: unknown) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async write(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
    this.checkBucket(bucket);
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Write-then-rename: a reader never sees half an object, as with S3.
    const temporary = `${file}.${process.pid}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, file);
  }

  async copy(bucket: string, sourceKey: string, destinationKey: string): Promise<void> {
    this.checkBucket(bucket);
    const source = this.pathOf(sourceKey);
    const destination = this.pathOf(destinationKey);
    await mkdir(path.dirname(destination), { recursive: true });
    try {
      await copyFile(source, destination);
    } catch (e: unknown) {
      if (isMissing(e)) throw new ObjectNotFoundError(`s3://${bucket}/${sourceKey} does not exist`);
      throw e;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    this.checkBucket(bucket);
    await rm(this.pathOf(key), { force: true });
  }

  private checkBucket(bucket: string): void {
    if (bucket !== this.name) throw new InvalidKeyError(`unknown bucket "${bucket}"; the local bucket is "${this.name}"`);
  }
}

function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'ENOTDIR');
}
