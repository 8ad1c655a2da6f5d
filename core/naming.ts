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
  /**
   * The records the pipeline reads back for as long as a dataset exists (its loaded schema, its
   * last successful run): `load/_meta/<dataset>/`. Under `load/` because they describe the loads
   * (emptying `load/` resets them with the tables), which no lifecycle rule expires (not under
   * `logs/`, expired after `etl:logsExpirationDays`); outside every table (`load/<dataset>/` holds
   * only its `dt=` folders, and no dataset is named `_meta`: names start with a letter) and outside
   * the state (`load/latest/`). test/infra/lifecycle-read-back.test.ts holds every expiring
   * lifecycle rule away from them.
   */
  meta: 'load/_meta/',
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
  // JSON-quoted: a key with a line break or a control character still makes one line.
  if (bad)
    throw new InvalidKeyError(`object key ${JSON.stringify(key)} is not a safe relative key (no .., no empty segments, no backslashes or control characters)`);
  return key;
}

/**
 * The endings of the keys the pipeline takes (compared ignoring case): CSV text, tab- or
 * otherwise-delimited, plain or gzip (the dataset's dialect says how to read it; gzip is detected
 * from the bytes). `etl watch` and the bucket's event notifications (one per suffix: S3 takes one
 * suffix per notification configuration) derive from it.
 */
export const DATA_FILE_SUFFIXES = ['.csv', '.csv.gz', '.tsv', '.tsv.gz', '.txt'] as const;

/** True when the key ends in one of {@link DATA_FILE_SUFFIXES}, ignoring case. */
export function isDataFileKey(key: string): boolean {
  const lower = key.toLowerCase();
  return DATA_FILE_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/**
 * The suffixes of the bucket's event notifications: S3's key filters are case-sensitive, so each
 * of {@link DATA_FILE_SUFFIXES} in lower and in upper case (`.Csv` and the like do not notify).
 * None is a suffix of another (S3 refuses overlapping configurations): `.csv` is not a suffix of `.csv.gz`.
 */
export function notificationSuffixes(): string[] {
  return DATA_FILE_SUFFIXES.flatMap((suffix) => [suffix, suffix.toUpperCase()]);
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

/**
 * Where an input goes after a successful run: `extract/archived/<date>/<path below extract/>`,
 * the upload's id before the extension (`orders.1a2b3c4d.csv`): a daily export under one name
 * archives every day's file, never one over another.
 */
export function archivedKey(inputKey: string, date: string, upload: string): string {
  return `${PREFIX.archived}${date}/${withUploadId(inputKey.slice(PREFIX.extract.length), upload)}`;
}

/** Where a rejected input goes: `extract/rejected/<date>/<path below extract/>`, named as {@link archivedKey}. */
export function rejectedKey(inputKey: string, date: string, upload: string): string {
  return `${PREFIX.rejected}${date}/${withUploadId(inputKey.slice(PREFIX.extract.length), upload)}`;
}

/** `a/b.csv` → `a/b.<first 8 hex of the upload id>.csv` (the extension kept as it was). */
function withUploadId(path: string, upload: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  const tag = upload.slice(0, 8);
  return dot > slash + 1 ? `${path.slice(0, dot)}.${tag}${path.slice(dot)}` : `${path}.${tag}`;
}

/**
 * The id of one distinct upload: the key and its content (a checksum of the bytes: on S3 its
 * full-object checksum, else the event's `eTag`; locally the MD5). The same bytes under the same
 * key are the same upload (a duplicate event); other bytes under the same key are another upload,
 * which loads beside the earlier ones.
 */
export function uploadId(inputKey: string, content: string): string {
  return createHash('sha256').update(`${inputKey}\n${content}`).digest('hex').slice(0, 16);
}

/** The dataset's table: `load/<dataset>/`, holding its `dt=YYYY-MM-DD/` partitions and nothing else. */
export function datasetLoadPrefix(dataset: string): string {
  return `${PREFIX.load}${dataset}/`;
}

/**
 * Where a job run stages its files before publishing them: `load/_staging/<dataset>/<job run>/`,
 * outside every table (no dataset is named `_staging`: names start with a letter).
 */
export function stagingPrefix(dataset: string, jobRunId: string): string {
  return `${PREFIX.load}_staging/${dataset}/${jobRunId}/`;
}

/**
 * The dataset's current state (the latest row per dedupe key across every load; without keys, the
 * last load's rows): `load/latest/<dataset>/`, outside the dataset's table. It holds versions
 * (`versions/<version>/part-<n>.parquet`, and {@link latestReplacesKey}) and the {@link latestManifestKey} naming
 * the current one.
 */
export function latestStatePrefix(dataset: string): string {
  return `${PREFIX.load}latest/${dataset}/`;
}

/**
 * The pointer to the current version of a dataset's state, written last (conditionally, so two
 * runs publishing together never lose each other's rows): an Athena symlink manifest, one
 * `s3://<bucket>/<key>` per line, read by the `<dataset>_latest` catalog table and by the engines.
 */
export function latestManifestKey(dataset: string): string {
  return `${latestStatePrefix(dataset)}_symlink_format_manifest/manifest`;
}

/** The folder of one version of a dataset's state; `version` sorts by creation time ({@link latestVersionId}). */
export function latestVersionPrefix(dataset: string, version: string): string {
  return `${latestStatePrefix(dataset)}versions/${version}/`;
}

/**
 * A version id of a dataset's state: `<UTC yyyymmddThhmmssZ>-<job run id>`, so versions sort by
 * creation time and a publication can tell how old a version is ({@link latestVersionsToDelete}).
 */
export function latestVersionId(createdAt: Date, jobRunId: string): string {
  return `${createdAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}-${jobRunId}`;
}

/** When a version of a dataset's state was created (from its {@link latestVersionId}), or `undefined` for another name. */
export function latestVersionCreatedAt(version: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(version);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/**
 * How long a version of a dataset's state stays after the version that replaced it was created,
 * and how long a new version is left alone (it may be a concurrent run's, being written). With T
 * the longest a run can last (the Transform Task's `TimeoutSeconds`, 7200 in etl.asl.json; the
 * fast path's is far shorter): the replacing run S published at most T after its version's
 * creation, and a run that read the manifest just before that reads the old version for at most
 * T more, so 2·T, plus 60 minutes for a query that read the manifest just before.
 * glue/naming.py mirrors it (`LATEST_VERSION_RETENTION_SECONDS`).
 */
export const LATEST_VERSION_RETENTION_MS = (2 * 2 + 1) * 60 * 60 * 1000;

/**
 * The file of a version naming the versions it replaced (merged over): `versions/<version>/_replaces`,
 * written with the version's files, before the manifest names them ({@link formatLatestReplaces}).
 */
export function latestReplacesKey(dataset: string, version: string): string {
  return `${latestVersionPrefix(dataset, version)}_replaces`;
}

/** The text of a `_replaces` file: one version id per line (empty text for none). */
export function formatLatestReplaces(versions: readonly string[]): string {
  return versions.map((version) => `${version}\n`).join('');
}

/** The version ids a `_replaces` file names. */
export function parseLatestReplaces(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * The keys under `versions/` a publication deletes, once `current` is the manifest's version. A
 * version V is kept when it is `current`; or when it is named in the `_replaces` of a kept chain
 * member S younger than {@link LATEST_VERSION_RETENTION_MS} (walking from `current`: while
 * S is that young, what it replaced is kept and the walk goes on from each) — a run or a query
 * that read the manifest naming V may still be reading it; or when V itself is that young (a
 * concurrent run's version, being written or just published). Every other version folder's keys
 * go; a key outside a version folder, or in a folder not named as a version id, is never touched.
 * `replacesOf` answers a version's parsed `_replaces` (`undefined`: none); it is asked only for
 * versions younger than the retention, so a caller may read those files first and pass a Map's `get`.
 */
export function latestVersionsToDelete(
  versionKeys: readonly string[],
  current: string,
  replacesOf: (version: string) => readonly string[] | undefined,
  now: Date,
): string[] {
  const young = (version: string): boolean => {
    const createdAt = latestVersionCreatedAt(version);
    return createdAt !== undefined && createdAt.getTime() + LATEST_VERSION_RETENTION_MS > now.getTime();
  };
  const kept = new Set([current]);
  const walk = [current];
  for (let next = walk.pop(); next !== undefined; next = walk.pop()) {
    if (!young(next)) continue;
    for (const replaced of replacesOf(next) ?? []) {
      if (kept.has(replaced)) continue;
      kept.add(replaced);
      walk.push(replaced);
    }
  }
  return versionKeys
    .filter((key) => {
      const version = latestVersionOf(key);
      return version !== undefined && latestVersionCreatedAt(version) !== undefined && !kept.has(version) && !young(version);
    })
    .sort();
}

/** The version a state file belongs to (`…/versions/<version>/part-0.parquet`), or `undefined`. */
export function latestVersionOf(key: string): string | undefined {
  return /\/versions\/([^/]+)\/[^/]+$/.exec(key)?.[1];
}

/** The text of a state manifest: one `s3://<bucket>/<key>` per line. */
export function formatLatestManifest(bucket: string, keys: readonly string[]): string {
  return keys.map((key) => `s3://${bucket}/${key}\n`).join('');
}

/** The keys a state manifest lists (its `s3://<bucket>/` prefixes removed). */
export function parseLatestManifest(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/^s3:\/\/[^/]+\//, ''));
}

/** The names of a dataset's tables in the catalog (and in `etl query`): its loads, and its current state. */
export function catalogTableNames(dataset: string): { readonly table: string; readonly latest: string } {
  return { table: dataset, latest: `${dataset}${LATEST_TABLE_SUFFIX}` };
}

/** The suffix of a dataset's state table: no dataset name may end with it (see dataset-config.ts). */
export const LATEST_TABLE_SUFFIX = '_latest';

/** Where the transform writes its run report for one execution. */
export function runReportKey(dataset: string, executionName: string): string {
  return `${PREFIX.glueReports}${dataset}/${executionName}.json`;
}

/** The dataset's long-lived records: `load/_meta/<dataset>/` (see {@link PREFIX}`.meta`). */
export function datasetMetaPrefix(dataset: string): string {
  return `${PREFIX.meta}${dataset}/`;
}

/**
 * The schema the dataset's loads were written with (the schema guard compares the config with it):
 * `load/_meta/<dataset>/schema.json`, where no lifecycle rule expires it.
 */
export function loadedSchemaKey(dataset: string): string {
  return `${datasetMetaPrefix(dataset)}schema.json`;
}

/**
 * The run report of the dataset's most recent successful transform (for volume-change checks):
 * `load/_meta/<dataset>/last-success.json`. glue/naming.py mirrors it (`last_run_report_key`).
 */
export function lastRunReportKey(dataset: string): string {
  return `${datasetMetaPrefix(dataset)}last-success.json`;
}

/**
 * Where releases before the move to `load/_meta/` kept the schema record: under `logs/glue-jobs/`,
 * which the `logs` lifecycle rule expires. Read only when {@link loadedSchemaKey} holds nothing, so
 * that a deployment upgraded in place keeps its guard; never written. Once no record is there
 * (every dataset loaded since the upgrade, or `etl:logsExpirationDays` after it) it can go.
 */
export function legacyLoadedSchemaKey(dataset: string): string {
  return `${PREFIX.glueReports}${dataset}/_schema.json`;
}

/** Where releases before the move kept the last success ({@link legacyLoadedSchemaKey}'s twin; `legacy_last_run_report_key` in Python). */
export function legacyLastRunReportKey(dataset: string): string {
  return `${PREFIX.glueReports}${dataset}/_last-success.json`;
}

/**
 * A stable id of one key, whatever its content: the load id of a dataset whose re-uploads
 * replace the earlier load (`reuploads: "replace"`).
 */
export function inputId(inputKey: string): string {
  return createHash('sha256').update(inputKey).digest('hex').slice(0, 16);
}

/** What identifies one distinct upload in an S3 event record. */
export interface ObjectVersionRef {
  readonly bucket: string;
  readonly key: string;
  /**
   * The object's content: the checksum of its bytes the bucket keeps (`ObjectHead.contentId`, e.g.
   * `crc64nvme:<base64>`), else the event's `eTag` (else `versionId`, else `sequencer`).
   */
  readonly version: string;
}

/**
 * A deterministic execution name, unique per distinct upload (key and content): the same event
 * delivered twice, or the same bytes uploaded again, yield the same name, so Step Functions
 * itself refuses the second start.
 * Shape: `<dataset>-<readable part of the file name>-<24 hex of a hash>`, at most 80 characters
 * of `0-9A-Za-z-_`.
 */
export function executionName(dataset: string, ref: ObjectVersionRef): string {
  const digest = createHash('sha256').update(`${ref.bucket}\n${ref.key}\n${ref.version}`).digest('hex').slice(0, 24);
  const fileName = ref.key.slice(ref.key.lastIndexOf('/') + 1).replace(/\.(csv|tsv)(\.gz)?$|\.txt$/i, '');
  const readable = `${dataset}-${fileName}`
    .normalize('NFKD')
    .replace(/[^0-9A-Za-z_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const room = MAX_EXECUTION_NAME_LENGTH - digest.length - 1;
  const head = readable.slice(0, room).replace(/-$/, '');
  return head ? `${head}-${digest}` : digest;
}
