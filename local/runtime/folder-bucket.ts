/**
 * The local stand-in for the S3 bucket: a folder, `<root>/bucket/`, with the bucket's layout
 * (`extract/`, `load/`, `logs/`, `scripts/`). Keys map to relative paths and can never resolve
 * outside the folder.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { InvalidKeyError, NotARegularFileError, ObjectNotFoundError } from '../../core/errors';
import { NULL_VERSION_ID } from '../../core/execution-input';
import { assertSafeKey, inputId } from '../../core/naming';
import type { ObjectHead, ObjectVersion, TokenedText, TransformStore } from '../../handlers/adapters/object-store';

/** The bucket name the local runtime uses in events and execution inputs. */
export const LOCAL_BUCKET = 'local-etl-bucket';

/** Top-level folders created in a new local bucket. */
const LAYOUT = ['extract', 'load', 'logs', 'scripts'];

/** How {@link FolderBucket.putVersion} names a version: the MD5 of its bytes, in hex. */
const MD5_VERSION_ID = /^[0-9a-f]{32}$/;

/**
 * {@link ObjectStore} over a folder. A version is recorded when its upload is complete
 * ({@link FolderBucket.putVersion}); its id is the MD5 of its bytes, so the same bytes uploaded
 * again under a key are that same version. That MD5 is also the version's ETag and its content id
 * (a folder neither encrypts nor splits uploads: it is a checksum of the bytes, as S3's is). The
 * key's file may hold a version, a newer upload not recorded yet, or nothing. `"null"` names the
 * key's file, whatever it holds (S3's version of an unversioned object).
 */
export class FolderBucket implements TransformStore {
  /** Absolute path of the bucket folder. */
  readonly dir: string;

  /** Copies of the object versions executions still read (`<root>/versions/`). */
  private readonly versionsDir: string;
  private realBucketDir?: string;

  constructor(
    root: string,
    readonly name: string = LOCAL_BUCKET,
  ) {
    this.dir = path.resolve(root, 'bucket');
    this.versionsDir = path.resolve(root, 'versions');
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

  /**
   * The size and, for a recorded version, its content id: the MD5 of its bytes, which is its id. The
   * key's file itself (no version, or `"null"`) has none: the bytes are not read to tell it.
   */
  async head(bucket: string, key: string, versionId?: string): Promise<ObjectHead | undefined> {
    this.checkBucket(bucket);
    const file = await this.objectFile(key, versionId);
    if (!file) return undefined;
    const sizeBytes = (await stat(file)).size;
    return versionId !== undefined && MD5_VERSION_ID.test(versionId) ? { sizeBytes, contentId: versionId } : { sizeBytes };
  }

  async read(bucket: string, key: string, versionId?: string): Promise<Readable> {
    this.checkBucket(bucket);
    const file = await this.objectFile(key, versionId);
    if (!file) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    return createReadStream(file);
  }

  async readTail(bucket: string, key: string, versionId: string | undefined, bytes: number): Promise<Uint8Array> {
    this.checkBucket(bucket);
    const file = await this.objectFile(key, versionId);
    if (!file) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(bytes, size);
      const tail = Buffer.alloc(length);
      await handle.read(tail, 0, length, size - length);
      return tail;
    } finally {
      await handle.close();
    }
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
    // A name of its own per write: two writers of one key (two job runs) never share it.
    const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, file);
  }

  /** A link to the version's file: DuckDB reads it in place (a folder has nothing to download). */
  async fetchToFile(bucket: string, key: string, versionId: string | undefined, file: string): Promise<boolean> {
    this.checkBucket(bucket);
    const source = await this.objectFile(key, versionId);
    if (!source) return false;
    await symlink(source, file);
    return true;
  }

  /** A hard link where the file is on the bucket's file system (no bytes copied), else a copy. */
  async putFile(bucket: string, key: string, file: string): Promise<void> {
    this.checkBucket(bucket);
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    await rm(target, { force: true });
    await link(file, target).catch(() => copyFile(file, target, constants.COPYFILE_FICLONE));
  }

  async listKeys(bucket: string, prefix: string): Promise<string[]> {
    this.checkBucket(bucket);
    // The folder holding the prefix, walked; keys that merely start with a partial segment are kept too.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const root = base === '' ? this.dir : this.pathOf(base);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((e: unknown) => {
      if (isMissing(e)) return [];
      throw e;
    });
    return entries
      .filter((entry) => entry.isFile() && !entry.name.endsWith('.partial') && !entry.name.endsWith('.lock'))
      .map((entry) => this.keyOf(path.join(entry.parentPath, entry.name)))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  /** The object's text and a token of its bytes (their MD5, as S3's ETag of such an object), or `undefined`. */
  async readWithToken(bucket: string, key: string): Promise<TokenedText | undefined> {
    this.checkBucket(bucket);
    try {
      const bytes = await readFile(this.pathOf(key));
      return { text: bytes.toString('utf-8'), token: md5Hex(bytes) };
    } catch (e: unknown) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /**
   * S3's conditional write: replaces the object only while its bytes still have `token` (its
   * MD5; `null`: only while there is none); `false`, leaving it as it is, otherwise — unless it
   * already holds exactly `body` (a retried write that was applied the first time), which is
   * `true`, as the S3 store answers (s3-object-store.ts). Safe across processes sharing the folder
   * (the local engines, a watch beside a run): the compare and the replace happen under a lock file.
   */
  async writeIfMatch(bucket: string, key: string, body: string, token: string | null): Promise<boolean> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    return withLockFile(`${file}.lock`, async () => {
      const current = await this.readWithToken(bucket, key);
      if ((current?.token ?? null) !== token) return current?.text === body;
      await this.write(bucket, key, body);
      return true;
    });
  }

  async copy(bucket: string, sourceKey: string, destinationKey: string, sourceVersionId?: string): Promise<void> {
    this.checkBucket(bucket);
    const source = await this.objectFile(sourceKey, sourceVersionId);
    if (!source) throw new ObjectNotFoundError(`s3://${bucket}/${sourceKey} does not exist`);
    const destination = this.pathOf(destinationKey);
    await mkdir(path.dirname(destination), { recursive: true });
    // A kept version's copy is never written in place: a link to it is as good as a copy (the
    // archive or rejects move of a large input, then the version is deleted), not the key's file.
    if (sourceVersionId !== undefined && sourceVersionId !== NULL_VERSION_ID && source === this.versionFiles(sourceKey, sourceVersionId).bytes) {
      await rm(destination, { force: true });
      try {
        return await link(source, destination);
      } catch {
        // Another file system: copied below.
      }
    }
    await copyFile(source, destination, constants.COPYFILE_FICLONE);
  }

  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    this.checkBucket(bucket);
    const file = this.pathOf(key);
    if (versionId === undefined || versionId === NULL_VERSION_ID) {
      await rm(file, { force: true });
      return;
    }
    // With a version, only that version: the key's file goes only while it holds it (the very
    // file the version was recorded from or, once the kept copy is gone, a file of its bytes), so a
    // newer upload under the key stays. Then the kept copy of the version.
    const kept = this.versionFiles(key, versionId);
    const taken = await readIdentity(kept.meta);
    const holds = taken ? sameFile(await lstat(file).catch(() => undefined), taken) : await this.fileHoldsVersion(key, versionId);
    if (holds) await rm(file, { force: true });
    await rm(kept.dir, { recursive: true, force: true });
  }

  /**
   * The versions recorded for `key` ({@link putVersion}) and not deleted, newest first. A file at
   * the key that was never recorded is an upload still in progress, not a version yet.
   */
  async listVersions(bucket: string, key: string): Promise<ObjectVersion[]> {
    this.checkBucket(bucket);
    const current = await lstat(this.pathOf(key)).catch(() => undefined);
    const dir = path.join(this.versionsDir, inputId(key));
    const names = await readdir(dir).catch((e: unknown) => {
      if (isMissing(e)) return [];
      throw e;
    });
    const versions: (ObjectVersion & { recordedMs: number })[] = [];
    for (const versionId of names) {
      const kept = this.versionFiles(key, versionId);
      const [bytes, taken] = await Promise.all([stat(kept.bytes).catch(() => undefined), readIdentity(kept.meta)]);
      // Without both, the version is being recorded or deleted right now.
      if (!bytes?.isFile() || !taken) continue;
      versions.push({ versionId, eTag: versionId, sizeBytes: bytes.size, isLatest: sameFile(current, taken), recordedMs: bytes.mtimeMs });
    }
    return versions.sort((a, b) => b.recordedMs - a.recordedMs).map(({ recordedMs: _, ...version }) => version);
  }

  /**
   * Records the object now at `key` as a new version, as S3 does when a PUT completes: returns
   * its version id and ETag (the MD5 of its bytes, as S3's for a single-part upload) and keeps
   * a copy of the bytes, which every step of the execution reads, until the version is deleted
   * (archived or rejected). Throws {@link NotARegularFileError} for a link leading outside the
   * bucket or a file that is not a regular one.
   */
  async putVersion(key: string): Promise<{ versionId: string; eTag: string; sizeBytes: number; mtimeMs: number }> {
    const file = await this.objectFile(key);
    if (!file) throw new ObjectNotFoundError(`s3://${this.name}/${key} does not exist`);
    const identity = fileIdentity(await lstat(this.pathOf(key)));
    const staging = path.join(this.versionsDir, `.incoming-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    await mkdir(this.versionsDir, { recursive: true });
    const md5 = createHash('md5');
    let sizeBytes = 0;
    await pipeline(
      // 1 MiB reads: the MD5 of a large upload takes half the time it takes in 64 KiB ones.
      createReadStream(file, { highWaterMark: 1024 * 1024 }),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          md5.update(chunk);
          sizeBytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(staging),
    );
    const eTag = md5.digest('hex');
    const kept = this.versionFiles(key, eTag);
    await mkdir(kept.dir, { recursive: true });
    await rename(staging, kept.bytes);
    await writeFile(kept.meta, JSON.stringify(identity));
    return { versionId: eTag, eTag, sizeBytes, mtimeMs: identity.mtimeMs };
  }

  /**
   * The file holding an object (engines read it in place): with a `versionId`, the kept copy of
   * that version or, when there is none, the key's file if it holds that version's bytes; without
   * one (or with `"null"`), the key's file. `undefined` when missing. Refuses links leading
   * outside the bucket and anything that is not a regular file.
   */
  async objectFile(key: string, versionId?: string): Promise<string | undefined> {
    if (versionId !== undefined && versionId !== NULL_VERSION_ID) {
      const kept = this.versionFiles(key, versionId);
      if (existsSync(kept.bytes)) return kept.bytes;
      return (await this.fileHoldsVersion(key, versionId)) ? this.pathOf(key) : undefined;
    }
    const file = this.pathOf(key);
    let info;
    try {
      info = await lstat(file);
    } catch (e: unknown) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    if (info.isSymbolicLink()) {
      const target = await realpath(file).catch(() => undefined);
      if (!target || !target.startsWith((await this.realDir()) + path.sep)) {
        throw new NotARegularFileError(`s3://${this.name}/${key} is a link leading outside the bucket; it is not read`);
      }
      info = await stat(target);
    }
    if (!info.isFile()) {
      if (info.isDirectory()) return undefined;
      throw new NotARegularFileError(`s3://${this.name}/${key} is not a regular file (${kindOf(info)}); it is not read`);
    }
    return file;
  }

  /**
   * Whether the key's file holds the bytes of `versionId` (an MD5, as {@link putVersion} names
   * versions) and was not replaced while it was read. Anything that is not a regular file holds
   * no version.
   */
  private async fileHoldsVersion(key: string, versionId: string): Promise<boolean> {
    if (!MD5_VERSION_ID.test(versionId)) return false;
    let file;
    try {
      file = await this.objectFile(key);
    } catch (e: unknown) {
      if (e instanceof NotARegularFileError) return false;
      throw e;
    }
    if (!file) return false;
    const before = fileIdentity(await lstat(file));
    const md5 = createHash('md5');
    await pipeline(createReadStream(file), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) md5.update(chunk);
    });
    return md5.digest('hex') === versionId && sameFile(await lstat(file).catch(() => undefined), before);
  }

  /** Where the kept copy of one version of a key lives (outside the bucket folder). */
  private versionFiles(key: string, versionId: string): { dir: string; bytes: string; meta: string } {
    const dir = path.join(this.versionsDir, inputId(key), versionId.replace(/[^0-9A-Za-z._-]/g, '_'));
    return { dir, bytes: path.join(dir, 'bytes'), meta: path.join(dir, 'file.json') };
  }

  private async realDir(): Promise<string> {
    this.realBucketDir ??= await realpath(this.dir);
    return this.realBucketDir;
  }

  private checkBucket(bucket: string): void {
    if (bucket !== this.name) throw new InvalidKeyError(`unknown bucket "${bucket}"; the local bucket is "${this.name}"`);
  }
}

/** What tells whether the key's file is still the one a version was taken from. */
interface FileIdentity {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

function fileIdentity(info: { ino: number; size: number; mtimeMs: number }): FileIdentity {
  return { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
}

/** The identity a kept version was recorded with, or `undefined` when there is none (yet). */
async function readIdentity(meta: string): Promise<FileIdentity | undefined> {
  try {
    return JSON.parse(await readFile(meta, 'utf-8')) as FileIdentity;
  } catch (e: unknown) {
    // Missing, or being written by putVersion this very moment.
    if (isMissing(e) || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

function sameFile(info: FileIdentity | undefined, kept: FileIdentity): boolean {
  return info !== undefined && info.ino === kept.ino && info.size === kept.size && info.mtimeMs === kept.mtimeMs;
}

function kindOf(info: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}

function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** A lock left by a process that died holding it is taken over after this long. */
const STALE_LOCK_MS = 30_000;

/** Runs `action` holding the lock file (created exclusively, removed after), waiting for it meanwhile. */
async function withLockFile<T>(lock: string, action: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e: unknown) {
      if (!(typeof e === 'object' && e !== null && 'code' in e && e.code === 'EEXIST')) throw e;
      const taken = await stat(lock).catch(() => undefined);
      if (taken && Date.now() - taken.mtimeMs > STALE_LOCK_MS) await rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  try {
    return await action();
  } finally {
    await rm(lock, { force: true });
  }
}

function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'ENOTDIR');
}
