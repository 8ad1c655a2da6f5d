/**
 * The S3 event notification as the trigger receives it, validated at the edge. Only the fields
 * the pipeline reads are checked; `s3:TestEvent` (sent when a notification is configured) has no
 * `Records` and is accepted as an empty event. `zod/mini` (tree-shakable) keeps the trigger's
 * bundle small.
 */
import * as z from 'zod/mini';

const s3RecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.optional(z.number().check(z.int(), z.nonnegative())),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.string()),
      sequencer: z.optional(z.string()),
    }),
  }),
});

/** An S3 event notification (or the test event, which has no records). */
export const s3EventSchema = z.union([z.object({ Records: z.array(s3RecordSchema) }), z.object({ Event: z.literal('s3:TestEvent') })]);

/** One record of an S3 event notification. */
export type S3EventRecord = z.infer<typeof s3RecordSchema>;
/** An S3 event notification as parsed. */
export type S3Event = z.infer<typeof s3EventSchema>;

/**
 * The content a record announces: the `eTag`, else the `versionId`, else the `sequencer`. The
 * trigger names an upload by it only when the bucket gives no checksum of the bytes
 * (`ObjectHead.contentId`): the same bytes uploaded again have the same ETag only when stored in
 * plaintext or with SSE-S3 and in one part (an SSE-KMS or SSE-C upload gets an ETag of its own, a
 * multipart upload's depends on the part size).
 */
export function recordContent(record: S3EventRecord): string {
  const o = record.s3.object;
  return o.eTag ?? o.versionId ?? o.sequencer ?? 'unversioned';
}
