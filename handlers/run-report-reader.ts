/** Reads a transform run report from the bucket, validated against its schema. */
import { RunReportError } from '../core/errors';
import { type RunReport, runReportSchema } from '../core/run-report';
import type { ObjectStore } from './adapters/object-store';

/** The run report at `key`, or `undefined` when none was written; throws {@link RunReportError} when unreadable. */
export async function readRunReport(store: ObjectStore, bucket: string, key: string): Promise<RunReport | undefined> {
  const text = await store.readText(bucket, key);
  if (text === undefined) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new RunReportError(`run report s3://${bucket}/${key} is not JSON`);
  }
  const parsed = runReportSchema.safeParse(document);
  if (!parsed.success) {
    throw new RunReportError(`run report s3://${bucket}/${key} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
