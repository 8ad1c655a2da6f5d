/**
 * Naming rules of the bucket layout and of executions. Pure functions: the trigger, the state
 * machine's input, the local runtime and the Glue runner's arguments all derive from them.
 */
import { createHash } from 'node:crypto';

import { InvalidKeyError } from './errors';

/** Top-level prefixes of the bucket layout. */
export const PREFIX = {
  extract: 'extract/',
  archived: 'extract/archived/',
  rejected: 'extract/rejected/',
  load: 'load/',
  glueReports: 'logs/glue-jobs/',
  scripts: 'scripts/',
} as const;

/** Where the datasets' compiled Spark plans are, which the Glue job reads (`--plans_prefix`). */
export const PLANS_PREFIX = `${PREFIX.scripts}plans/`;

/** Step Functions allows 80 characters; we keep to `0-9A-Za-z-_` so CloudWatch accepts them too. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * Decodes an S3 event key: URL-encoded, with `+` standing for a space.
 * @example decodeS3EventKey('extract/my+file%2B1.csv') // 'extract/my file+1.csv'
 */
export function decodeS3EventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new InvalidKeyError(`object key is not valid URL encoding: ${encoded}`);
  }
}

/**
 * Checks that a key is a plain relative path (no `..`, `.`, empty segments, backslashes or
 * control characters) and returns it. Used wherever a key becomes a file path.
 */
export function assertSafeKey(key: string): string {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(key) ||
    segments.some((segment, i) => segment === '..' || segment === '.' || (segment === '' && i < segments.length - 1));
  if (bad) throw new InvalidKeyError(`object key "${key}" is not a safe relative key`);
  return key;
}

/** Why a key is not processed, or `undefined` when the pipeline should take it. */
export function skipReason(key: string): string | undefined {
  if (!key.startsWith(PREFIX.extract)) return 'outside extract/';
  if (key.startsWith(PREFIX.archived)) return 'already archived (extract/archived/)';
  if (key.startsWith(PREFIX.rejected)) return 'already rejected (extract/rejected/)';
  if (key.endsWith('/')) return 'folder marker';
  return undefined;
}

/** `YYYY-MM-DD` (UTC) of an instant. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** Where an input goes after a successful run: `extract/archived/<date>/<path below extract/>`. */
export function archivedKey(inputKey: string, date: string): string {
  return `${PREFIX.archived}${date}/${inputKey.slice(PREFIX.extract.length)}`;
}

/** Where a rejected input goes: `extract/rejected/<date>/<path below extract/>`. */
export function rejectedKey(inputKey: string, date: string): string {
  return `${PREFIX.rejected}${date}/${inputKey.slice(PREFIX.extract.length)}`;
}

/** The dataset's output folder: `load/<dataset>/`. */
export function datasetLoadPrefix(dataset: string): string {
  return `${PREFIX.load}${dataset}/`;
}

/** Where the transform writes its run report for one execution. */
export function runReportKey(dataset: string, executionName: string): string {
  return `${PREFIX.glueReports}${dataset}/${executionName}.json`;
}

/** The run report of the dataset's most recent successful transform (for volume-change checks). */
export function lastRunReportKey(dataset: string): string {
  return `${PREFIX.glueReports}${dataset}/_last-success.json`;
}

/**
 * A stable id of one input object, used to name its output files so that a rerun replaces
 * them. Derived from the key only: re-uploading the same key replaces that key's rows.
 */
export function inputId(inputKey: string): string {
  return createHash('sha256').update(inputKey).digest('hex').slice(0, 16);
}

/** What identifies one object version in an S3 event record. */
export interface ObjectVersionRef {
  readonly bucket: string;
  readonly key: string;
  /** `versionId` when the bucket is versioned, else the event's `sequencer`, else the ETag. */
  readonly version: string;
}

/**
 * A deterministic execution name, unique per object version: the same event delivered twice
 * yields the same name, so Step Functions itself refuses the second start.
 * Shape: `<dataset>-<readable part of the file name>-<24 hex of a hash>`, at most 80 characters
 * of `0-9A-Za-z-_`.
 */
export function executionName(dataset: string, ref: ObjectVersionRef): string {
  const digest = createHash('sha256').update(`${ref.bucket}\n${ref.key}\n${ref.version}`).digest('hex').slice(0, 24);
  const fileName = ref.key.slice(ref.key.lastIndexOf('/') + 1).replace(/\.csv$/i, '');
  const readable = `${dataset}-${fileName}`
    .normalize('NFKD')
    .replace(/[^0-9A-Za-z_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const room = MAX_EXECUTION_NAME_LENGTH - digest.length - 1;
  const head = readable.slice(0, room).replace(/-$/, '');
  return head ? `${head}-${digest}` : digest;
}
