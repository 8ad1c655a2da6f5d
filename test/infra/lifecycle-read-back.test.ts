/**
 * Invariant 9: nothing the pipeline reads back expires while it is still needed. Every key the
 * pipeline reads back is derived here from core/naming.ts (its functions called with the deployed
 * datasets and sample upload, execution and version names: no key is written by hand), and every
 * expiring lifecycle rule of the data bucket (Expiration, NoncurrentVersionExpiration; transitions,
 * aborted multipart uploads and expired delete markers remove nothing) is held away from it:
 * - records read back for as long as the dataset exists (the schema record, the last success, the
 *   state's manifest and versions, the tables' files, the compiled plans and the Glue script) are
 *   read by key (the current version): no rule may expire their current version;
 * - the input version the execution names, read by version id (Validate, the transforms, Reject,
 *   Archive, and again on a redrive): never expired in place (it stays in extract/ for a redrive), and
 *   once a newer upload makes it noncurrent, kept for longer than the redrive window;
 * - what an execution reads within itself and its redrive (the run report, read by Summarize and
 *   DescribeTransformFailure; the run's staging): no expiry shorter than the redrive window.
 * The redrive window is Step Functions' 14 days after an execution stopped, plus the longest
 * execution (the machine's TimeoutSeconds). Not read back, so free to expire: the rejects files
 * (for people), archived and rejected inputs (the trigger's duplicate check only looks up the
 * archived copy, and a duplicate whose copy has expired stays in extract/: nothing vanishes), the
 * Athena query results, and the schema record and last success at their legacy keys under
 * logs/glue-jobs/ (read only as a fallback after an upgrade).
 * A rule's tag and size filters are not taken to narrow it: the check is by prefix alone.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import type { CfnBucket } from 'aws-cdk-lib/aws-s3';

import {
  datasetLoadPrefix,
  executionName,
  inputId,
  lastRunReportKey,
  latestManifestKey,
  latestVersionId,
  latestVersionPrefix,
  loadedSchemaKey,
  PLANS_PREFIX,
  PREFIX,
  runReportKey,
  stagingPrefix,
  uploadId,
  utcDate,
} from '../../core/naming';
import { PARTITION_COLUMN } from '../../core/config/dataset-config';
import { SettingsError } from '../../infra/errors';
import { GLUE_SCRIPT_KEY } from '../../infra/constructs/transform-job';
import { MIN_LOGS_EXPIRATION_DAYS } from '../../infra/settings';
import { parseDefinition, readAslText } from '../../statemachine/definition';
import { buildPipeline, synthPipeline } from './synth-pipeline';

/** Step Functions redrives a failed, aborted or timed-out execution up to 14 days after it stopped. */
const REDRIVE_DAYS = 14;
const DAY_SECONDS = 24 * 60 * 60;
/** How long something read within an execution is needed: the longest execution, then its redrive window. */
const EXECUTION_WINDOW_SECONDS = (parseDefinition(readAslText()).TimeoutSeconds ?? 0) + REDRIVE_DAYS * DAY_SECONDS;

/** A lifecycle rule as CloudFormation holds it (the fields that select objects and remove them). */
interface LifecycleRuleJson {
  readonly Id?: string;
  readonly Status?: string;
  readonly Prefix?: string;
  readonly Filter?: { readonly Prefix?: string; readonly And?: { readonly Prefix?: string } };
  readonly ExpirationInDays?: number;
  readonly ExpirationDate?: string;
  readonly NoncurrentVersionExpiration?: { readonly NoncurrentDays: number };
  readonly NoncurrentVersionExpirationInDays?: number;
}

/** An expiring rule: its prefix and what it removes after how many days (0: on a fixed date, any day). */
interface ExpiringRule {
  readonly id: string;
  readonly prefix: string;
  readonly currentDays?: number;
  readonly noncurrentDays?: number;
}

/** How long a read-back object must stay: `'always'` (never expired), a window in seconds, or no bound (`'any'`). */
type Need = 'always' | number | 'any';

/** A key the pipeline reads back, and how long its current version and its older versions must stay. */
interface ReadBack {
  readonly what: string;
  readonly key: string;
  readonly current: Need;
  readonly noncurrent: Need;
}

/** The data bucket's expiring lifecycle rules (disabled ones too: enabling one is a console click away). */
function expiringRules(built: ReturnType<typeof synthPipeline>): ExpiringRule[] {
  const id = built.stack.getLogicalId(built.stack.data.bucket.node.defaultChild as CfnBucket);
  const bucket = built.template.toJSON().Resources[id] as { Properties: { LifecycleConfiguration?: { Rules: LifecycleRuleJson[] } } };
  return (bucket.Properties.LifecycleConfiguration?.Rules ?? [])
    .map((rule, n) => ({
      id: rule.Id ?? `rule ${n}`,
      prefix: rule.Prefix ?? rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? '',
      currentDays: rule.ExpirationInDays ?? (rule.ExpirationDate !== undefined ? 0 : undefined),
      noncurrentDays: rule.NoncurrentVersionExpiration?.NoncurrentDays ?? rule.NoncurrentVersionExpirationInDays,
    }))
    .filter((rule) => rule.currentDays !== undefined || rule.noncurrentDays !== undefined);
}

/** Every key the pipeline reads back, for each deployed dataset, from core/naming.ts. */
function readBackKeys(datasets: readonly string[]): ReadBack[] {
  const bucket = 'etl-bucket';
  const now = new Date('2026-11-25T09:30:12.345Z');
  const jobRunId = 'jr_0123456789abcdef';
  return datasets.flatMap((dataset): ReadBack[] => {
    const input = `${PREFIX.extract}${dataset}/${dataset} 2026-11-25.csv`;
    const execution = executionName(dataset, { bucket, key: input, version: 'crc64nvme:AAAAAAAAAAA=' });
    const load = uploadId(input, 'crc64nvme:AAAAAAAAAAA=');
    const version = latestVersionId(now, jobRunId);
    const forGood = { current: 'always', noncurrent: 'any' } as const;
    return [
      { what: `${dataset}: the schema record (schema guard)`, key: loadedSchemaKey(dataset), ...forGood },
      { what: `${dataset}: the last success (volume check)`, key: lastRunReportKey(dataset), ...forGood },
      { what: `${dataset}: the state's manifest`, key: latestManifestKey(dataset), ...forGood },
      { what: `${dataset}: a version of the state`, key: `${latestVersionPrefix(dataset, version)}part-0.parquet`, ...forGood },
      { what: `${dataset}: a file of the table`, key: `${datasetLoadPrefix(dataset)}${PARTITION_COLUMN}=${utcDate(now)}/part-${load}-0.parquet`, ...forGood },
      { what: `${dataset}: the compiled plan`, key: `${PLANS_PREFIX}${dataset}.json`, ...forGood },
      { what: `${dataset}: the input version the execution names (by version id)`, key: input, current: 'always', noncurrent: EXECUTION_WINDOW_SECONDS },
      {
        what: `${dataset}: the run report (Summarize, DescribeTransformFailure)`,
        key: runReportKey(dataset, execution),
        current: EXECUTION_WINDOW_SECONDS,
        noncurrent: 'any',
      },
      {
        what: `${dataset}: a staged file of a run (input copy ${inputId(input)})`,
        key: `${stagingPrefix(dataset, jobRunId)}input/input.csv`,
        current: EXECUTION_WINDOW_SECONDS,
        noncurrent: 'any',
      },
    ];
  });
}

/** What removes a read-back object too early: one line per offending rule (none: it stays as long as needed). */
function violations(readBack: ReadBack, rules: readonly ExpiringRule[]): string[] {
  const tooSoon = (days: number | undefined, need: Need): boolean =>
    days !== undefined && (need === 'always' || (typeof need === 'number' && days * DAY_SECONDS <= need));
  return rules
    .filter((rule) => readBack.key.startsWith(rule.prefix))
    .flatMap((rule) => [
      ...(tooSoon(rule.currentDays, readBack.current)
        ? [`${readBack.what} (${readBack.key}): rule ${rule.id} (${rule.prefix}) expires it after ${rule.currentDays} days`]
        : []),
      ...(tooSoon(rule.noncurrentDays, readBack.noncurrent)
        ? [`${readBack.what} (${readBack.key}): rule ${rule.id} (${rule.prefix}) expires its older versions after ${rule.noncurrentDays} days`]
        : []),
    ]);
}

describe.each([
  ['the settings of cdk.json', {}],
  ['the shortest logs expiry allowed', { 'etl:logsExpirationDays': MIN_LOGS_EXPIRATION_DAYS }],
])('lifecycle rules and what the pipeline reads back, with %s', (_name, context) => {
  let rules: ExpiringRule[];
  let keys: ReadBack[];

  beforeAll(() => {
    const built = synthPipeline({ bundle: false, acknowledge: false, context });
    rules = expiringRules(built);
    keys = [
      ...readBackKeys([...built.stack.config.datasets.map((d) => d.name), 'sample_dataset']),
      { what: 'the Glue script', key: GLUE_SCRIPT_KEY, current: 'always', noncurrent: 'any' },
    ];
  });

  it('finds the expiring rules it checks (the check is not vacuous)', () => {
    // Assess: logs/glue-jobs/ expires, and it holds the run reports, which are checked against it
    expect(rules.map((r) => r.prefix)).toContain(PREFIX.glueReports);
    expect(rules.some((r) => r.noncurrentDays !== undefined)).toBe(true);
    const reports = keys.filter((k) => k.what.includes('run report'));
    expect(reports.length).toBeGreaterThan(1);
    for (const report of reports) expect(rules.some((r) => report.key.startsWith(r.prefix) && r.currentDays !== undefined)).toBe(true);
  });

  it('expires nothing the pipeline reads back while it is still needed', () => {
    // Act
    const found = keys.flatMap((k) => violations(k, rules));

    // Assess
    expect(found).toEqual([]);
  });

  it('keeps the schema record and the last success under a prefix no rule expires', () => {
    // Assess: a record moved back under logs/glue-jobs/ (or an expiring rule on load/_meta/) fails here
    for (const key of [loadedSchemaKey('orders'), lastRunReportKey('orders')]) {
      expect(key.startsWith(PREFIX.meta)).toBe(true);
      expect(rules.filter((r) => key.startsWith(r.prefix) && r.currentDays !== undefined).map((r) => r.id)).toEqual([]);
    }
  });
});

describe('the logs expiry setting', () => {
  it('refuses an expiry within the redrive window of a run report', () => {
    // Assess
    expect(MIN_LOGS_EXPIRATION_DAYS * DAY_SECONDS).toBeGreaterThan(EXECUTION_WINDOW_SECONDS);
    expect(() => buildPipeline({ bundle: false, acknowledge: false, context: { 'etl:logsExpirationDays': MIN_LOGS_EXPIRATION_DAYS - 1 } })).toThrow(
      SettingsError,
    );
  });
});
