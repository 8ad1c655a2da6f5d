/** The S3 `ObjectCreated:Put` notification S3 sends (event version 2.1), as the local runtime emits it. */

/** The fields of one object-created record. */
export interface ObjectCreatedFields {
  readonly bucket: string;
  /** The key as S3 sends it: URL-encoded, `+` for spaces. */
  readonly encodedKey: string;
  readonly size: number;
  readonly sequencer: string;
  /** The version S3 gave the object (versioned buckets). */
  readonly versionId?: string;
  /** The object's ETag (the MD5 of its bytes for a single-part upload). */
  readonly eTag?: string;
  readonly eventTime?: Date;
}

/** An S3 event notification with one `ObjectCreated:Put` record. */
export function objectCreatedEvent(fields: ObjectCreatedFields): object {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: (fields.eventTime ?? new Date()).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: fields.bucket, arn: `arn:aws:s3:::${fields.bucket}` },
          object: {
            key: fields.encodedKey,
            size: fields.size,
            ...(fields.eTag === undefined ? {} : { eTag: fields.eTag }),
            ...(fields.versionId === undefined ? {} : { versionId: fields.versionId }),
            sequencer: fields.sequencer,
          },
        },
      },
    ],
  };
}

/** URL-encodes a key as S3 does in event notifications (slashes kept, `+` for spaces). */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}
