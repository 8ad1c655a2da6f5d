/**
 * Deployment settings, read once from CDK context (`cdk.json` or `cdk deploy -c key=value`) and
 * validated together: every problem is reported in one message at synth, before anything deploys.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

import { SettingsError } from './errors';

/** The four notification topics, by their role. */
export type TopicRole = 'success' | 'warning' | 'failure' | 'critical';

/** Validated settings of one deployment. */
export interface PipelineSettings {
  /**
   * Deployment stage: prefixes every physical name (`dev-etl-job-success`, …) so that stages
   * deploy side by side in one account and region. @default '' (the workflow document's names)
   */
  readonly stage: string;
  /** E-mail subscribers per topic. @default no subscriber */
  readonly emails: Readonly<Record<TopicRole, readonly string[]>>;
  /** Glue G.1X workers (2–10). @default 2 */
  readonly glueWorkers: number;
  /** Glue runs at the same time; more start requests wait in the state machine's retry. @default 3 */
  readonly glueMaxConcurrentRuns: number;
  /** Glue job timeout in minutes (1–115, below the Transform task's 120-minute timeout). @default 60 */
  readonly glueTimeoutMinutes: number;
  /** Retention of every log group of the pipeline, in days. @default 30 */
  readonly logRetentionDays: RetentionDays;
  /** Monthly cost budget in USD; 80 % actual and 100 % forecast alert the critical topic. @default 50 */
  readonly monthlyBudgetUsd: number;
  /** A Lambda's maximum duration above this percentage of its timeout raises an alarm. @default 80 */
  readonly lambdaDurationAlarmPercent: number;
  /** Failed executions (rejected inputs included) per hour that raise an alarm. @default 3 */
  readonly failedExecutionsAlarmPerHour: number;
  /** Width of the rows-ingested anomaly band, in standard deviations. @default 2 */
  readonly rowsAnomalyStdDevs: number;
  /** Days before archived and rejected inputs move to Standard-IA. @default 30 */
  readonly inputsInfrequentAccessDays: number;
  /** Days before archived and rejected inputs move to Glacier Flexible Retrieval (≥ Standard-IA days + 30). @default 90 */
  readonly inputsGlacierDays: number;
  /** Days before archived and rejected inputs are deleted. @default 365 */
  readonly inputsExpirationDays: number;
  /**
   * Days before objects under `logs/` (run reports, rejects files) are deleted; at least
   * {@link MIN_LOGS_EXPIRATION_DAYS}. @default 90
   */
  readonly logsExpirationDays: number;
}

/**
 * The shortest `etl:logsExpirationDays`: Step Functions redrives an execution up to 14 days after
 * it stopped (a Standard execution of this machine lasts at most 6 hours, its `TimeoutSeconds`),
 * and a redrive resuming at Summarize or DescribeTransformFailure reads the run report the
 * transform wrote under `logs/glue-jobs/` (test/infra/lifecycle-read-back.test.ts).
 */
export const MIN_LOGS_EXPIRATION_DAYS = 15;

/** The context keys and their defaults: the documented configuration surface. */
export const CONTEXT_DEFAULTS = {
  'etl:stage': '',
  'etl:successEmails': '',
  'etl:warningEmails': '',
  'etl:failureEmails': '',
  'etl:criticalEmails': '',
  'etl:glueWorkers': 2,
  'etl:glueMaxConcurrentRuns': 3,
  'etl:glueTimeoutMinutes': 60,
  'etl:logRetentionDays': 30,
  'etl:monthlyBudgetUsd': 50,
  'etl:lambdaDurationAlarmPercent': 80,
  'etl:failedExecutionsAlarmPerHour': 3,
  'etl:rowsAnomalyStdDevs': 2,
  'etl:inputsInfrequentAccessDays': 30,
  'etl:inputsGlacierDays': 90,
  'etl:inputsExpirationDays': 365,
  'etl:logsExpirationDays': 90,
} as const;

/** A context key of the pipeline. */
export type ContextKey = keyof typeof CONTEXT_DEFAULTS;

const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;
/** Lower-case words joined by hyphens, starting with a letter (a stack name must). */
const STAGE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Keeps the longest prefixed name within its limit (`<stage>-etl-describe-failure-function`: 64 for Lambda). */
const STAGE_MAX_LENGTH = 12;
const RETENTION_VALUES = new Set<number>(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE));

/**
 * Reads and validates the settings from a construct's context. Values may be JSON-typed (from
 * `cdk.json`) or strings (from `-c`), so numbers and lists are accepted in both spellings.
 * @throws SettingsError listing every invalid key.
 */
export function readSettings(node: Node): PipelineSettings {
  const problems: string[] = [];
  const raw = (key: ContextKey): unknown => node.tryGetContext(key) ?? CONTEXT_DEFAULTS[key];

  const integer = (key: ContextKey, min: number, max: number): number => {
    const value = Number(raw(key));
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw(key))}`);
      return Number(CONTEXT_DEFAULTS[key]);
    }
    return value;
  };
  const positive = (key: ContextKey): number => {
    const value = Number(raw(key));
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${key}: expected a number above 0, got ${JSON.stringify(raw(key))}`);
      return Number(CONTEXT_DEFAULTS[key]);
    }
    return value;
  };
  const emails = (key: ContextKey): string[] => {
    const value = raw(key);
    const list = Array.isArray(value) ? value.map(String) : String(value).split(',');
    const trimmed = list.map((e) => e.trim()).filter((e) => e.length > 0);
    const bad = trimmed.filter((e) => !EMAIL.test(e));
    if (bad.length > 0) problems.push(`${key}: not e-mail addresses: ${bad.join(', ')}`);
    return trimmed.filter((e) => EMAIL.test(e));
  };

  // A misspelt or retired key would otherwise be ignored without a word (etl:configFile was
  // removed: the Lambda bundles and the Glue plans are always built from etl.config.json).
  const known = new Set<string>(Object.keys(CONTEXT_DEFAULTS));
  for (const key of Object.keys(node.getAllContext())
    .filter((k) => k.startsWith('etl:') && !known.has(k))
    .sort()) {
    problems.push(`${key}: not a setting of this app (settings: ${[...known].join(', ')})`);
  }

  const stage = String(raw('etl:stage'));
  if (stage !== '' && (!STAGE.test(stage) || stage.length > STAGE_MAX_LENGTH)) {
    problems.push(
      `etl:stage: expected lower-case letters, digits and inner hyphens, starting with a letter, at most ${STAGE_MAX_LENGTH} characters, got ${JSON.stringify(stage)}`,
    );
  }

  const retention = Number(raw('etl:logRetentionDays'));
  if (!RETENTION_VALUES.has(retention)) {
    problems.push(
      `etl:logRetentionDays: expected one of ${[...RETENTION_VALUES].sort((a, b) => a - b).join(', ')}, got ${JSON.stringify(raw('etl:logRetentionDays'))}`,
    );
  }

  const settings: PipelineSettings = {
    stage,
    emails: {
      success: emails('etl:successEmails'),
      warning: emails('etl:warningEmails'),
      failure: emails('etl:failureEmails'),
      critical: emails('etl:criticalEmails'),
    },
    glueWorkers: integer('etl:glueWorkers', 2, 10),
    glueMaxConcurrentRuns: integer('etl:glueMaxConcurrentRuns', 1, 50),
    glueTimeoutMinutes: integer('etl:glueTimeoutMinutes', 1, 115),
    logRetentionDays: (RETENTION_VALUES.has(retention) ? retention : CONTEXT_DEFAULTS['etl:logRetentionDays']) as RetentionDays,
    monthlyBudgetUsd: positive('etl:monthlyBudgetUsd'),
    lambdaDurationAlarmPercent: integer('etl:lambdaDurationAlarmPercent', 1, 100),
    failedExecutionsAlarmPerHour: integer('etl:failedExecutionsAlarmPerHour', 1, 10_000),
    rowsAnomalyStdDevs: positive('etl:rowsAnomalyStdDevs'),
    inputsInfrequentAccessDays: integer('etl:inputsInfrequentAccessDays', 30, 3650),
    inputsGlacierDays: integer('etl:inputsGlacierDays', 1, 3650),
    inputsExpirationDays: integer('etl:inputsExpirationDays', 1, 36500),
    logsExpirationDays: integer('etl:logsExpirationDays', MIN_LOGS_EXPIRATION_DAYS, 36500),
  };
  // S3 lifecycle rules need each step strictly later than the one before it.
  // S3 keeps objects in Standard-IA at least 30 days before a further transition.
  if (settings.inputsGlacierDays < settings.inputsInfrequentAccessDays + 30) {
    problems.push(
      `etl:inputsGlacierDays (${settings.inputsGlacierDays}) must be at least etl:inputsInfrequentAccessDays + 30 (${settings.inputsInfrequentAccessDays + 30})`,
    );
  }
  if (settings.inputsExpirationDays <= settings.inputsGlacierDays) {
    problems.push(`etl:inputsExpirationDays (${settings.inputsExpirationDays}) must exceed etl:inputsGlacierDays (${settings.inputsGlacierDays})`);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}
