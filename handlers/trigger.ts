/**
 * Trigger: S3 ObjectCreated event → one state machine execution per new object version.
 * Duplicate deliveries, and the same bytes uploaded again, map to the same execution name: the
 * second start is refused, counted, and settled (duplicate-upload.ts). The bytes are known by the
 * checksum the bucket keeps of the version the event names (a HEAD of it), not by the event's
 * ETag: on S3 an SSE-KMS upload gets an ETag of its own each time, whatever its bytes.
 */
import { type DatasetRoute, routeKey } from '../core/config/dataset-routing';
import { EtlError, describeError } from '../core/errors';
import { buildExecutionInput } from '../core/execution-input';
import { assertSafeKey, decodeS3EventKey, skipReason } from '../core/naming';
import type { ExecutionLookup, ExecutionStarter } from './adapters/execution-starter';
import type { ObjectStore } from './adapters/object-store';
import { type SettledDuplicate, settleDuplicate } from './duplicate-upload';
import { InvalidEventError, TriggerStartError } from './errors';
import { recordContent, type S3EventRecord, s3EventSchema } from './events/s3-event';
import { instrument, loggableError, MetricUnit, type Observability } from './observability';

/** What happened to each record of the event. */
export interface TriggerResult {
  readonly started: readonly { readonly key: string; readonly executionName: string }[];
  readonly duplicates: readonly SettledDuplicate[];
  readonly skipped: readonly { readonly key: string; readonly reason: string }[];
}

/** Dependencies of the trigger. */
export interface TriggerDeps {
  /** The datasets (the trigger only routes keys: name and match glob are all it reads). */
  readonly config: { readonly datasets: readonly DatasetRoute[] };
  readonly starter: ExecutionStarter;
  /** Where the execution a duplicate event maps to is found. */
  readonly executions: ExecutionLookup;
  /**
   * The bucket: where each event's version is looked up (its checksum names the upload), a
   * duplicate's archived copy looked for, and its version deleted.
   */
  readonly store: ObjectStore;
  readonly obs: Observability;
  /**
   * Every execution's input says `forceGlueJob` (ChooseEngine then runs the Glue job whatever the
   * size): the local runtime's `--engine`. The deployed trigger never sets it. @default false
   */
  readonly forceGlueJob?: boolean;
}

/** Builds the trigger handler. */
export function createTriggerHandler(deps: TriggerDeps) {
  const { logger, metrics } = deps.obs;
  return instrument(deps.obs, 'trigger', async (event: unknown): Promise<TriggerResult> => {
    const checked = s3EventSchema.safeParse(event);
    if (!checked.success) {
      const issues = checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new InvalidEventError(`not an S3 event notification: ${issues.join('; ')}`);
    }
    const parsed = checked.data;
    const result = { started: [], duplicates: [], skipped: [] } as {
      started: { key: string; executionName: string }[];
      duplicates: SettledDuplicate[];
      skipped: { key: string; reason: string }[];
    };
    if (!('Records' in parsed)) {
      logger.info('s3:TestEvent ignored');
      return result;
    }
    const failures: string[] = [];
    for (const record of parsed.Records) {
      let key = record.s3.object.key;
      try {
        key = assertSafeKey(decodeS3EventKey(record.s3.object.key));
        const reason = record.eventName.startsWith('ObjectCreated') ? skipReason(key) : `event ${record.eventName}`;
        if (reason) {
          logger.info('object skipped', { key, reason });
          metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
          result.skipped.push({ key, reason });
          continue;
        }
        const content = await uploadContent(deps, record, key);
        if (!content) {
          const gone = `${record.s3.object.versionId === undefined ? 'the object' : `version ${record.s3.object.versionId}`} is no longer in the bucket (deleted since the event)`;
          logger.info('object skipped', { key, reason: gone });
          metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
          result.skipped.push({ key, reason: gone });
          continue;
        }
        const dataset = routeKey(deps.config.datasets, key);
        if (!dataset) logger.warn('no dataset matches the key; the Validate step will reject it', { key });
        const built = buildExecutionInput(
          {
            bucket: record.s3.bucket.name,
            key,
            version: content.version,
            versionId: record.s3.object.versionId,
            sizeBytes: record.s3.object.size ?? content.sizeBytes,
            eventTime: record.eventTime,
          },
          dataset,
        );
        const input = deps.forceGlueJob === true ? { ...built, forceGlueJob: true } : built;
        const outcome = await deps.starter.start(input.executionName, input);
        if (outcome === 'duplicate') {
          metrics.addMetric('DuplicateEvents', MetricUnit.Count, 1);
          const settled = await settleDuplicate(deps, input);
          logger.info('duplicate event: execution already exists', { key, executionName: input.executionName, versionId: input.versionId, ...settled });
          result.duplicates.push({
            bucket: input.bucket,
            key,
            versionId: input.versionId,
            eventTime: input.eventTime,
            executionName: input.executionName,
            ...settled,
          });
        } else {
          logger.info('execution started', { key, executionName: input.executionName, dataset: input.dataset });
          metrics.addMetric('ExecutionsStarted', MetricUnit.Count, 1);
          result.started.push({ key, executionName: input.executionName });
        }
      } catch (e: unknown) {
        const error = describeError(e);
        if (e instanceof EtlError) {
          // A key the pipeline cannot take (e.g. it escapes the bucket): logged, never retried.
          logger.error('object skipped: invalid key', { key, error: loggableError(e) });
          metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
          result.skipped.push({ key, reason: `${error.name}: ${error.message}` });
        } else {
          logger.error('could not start the execution', { key, error: loggableError(e) });
          failures.push(`${key}: ${error.name}: ${error.message}`);
        }
      }
    }
    if (failures.length > 0) {
      throw new TriggerStartError(`${failures.length} of ${parsed.Records.length} records not started: ${failures.join('; ')}`);
    }
    return result;
  });
}

/**
 * What names the upload of a record: the content id the bucket gives for the version the event
 * names (a checksum of the bytes, the same however they were uploaded or encrypted), else the
 * event's own content ({@link recordContent}, its ETag), with a warning. `undefined` when that
 * version no longer exists.
 */
async function uploadContent(deps: TriggerDeps, record: S3EventRecord, key: string): Promise<{ version: string; sizeBytes: number } | undefined> {
  const head = await deps.store.head(record.s3.bucket.name, key, record.s3.object.versionId);
  if (!head) return undefined;
  if (head.contentId !== undefined) return { version: head.contentId, sizeBytes: head.sizeBytes };
  const version = recordContent(record);
  deps.obs.logger.warn(
    "the bucket has no checksum of this object (stored before S3 kept one for every object, or with a composite one only): its upload is named by the event's ETag, so the same bytes uploaded again with SSE-KMS or SSE-C, or in parts of another size, get another ETag and are not taken for a duplicate",
    { key, versionId: record.s3.object.versionId, version },
  );
  return { version, sizeBytes: head.sizeBytes };
}
