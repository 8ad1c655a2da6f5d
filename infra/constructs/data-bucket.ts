/**
 * The pipeline's bucket, laid out as the seed document says (`extract/`, `load/`, `logs/`,
 * `scripts/`), with its server access logs kept in a second bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

import { QUERY_RESULTS_PREFIX } from '../../core/catalog';
import { PREFIX } from '../../core/naming';

/**
 * Top-level prefixes of the layout, with what each holds (written as a README into each: by the
 * layout deployment here, except `scripts/README.txt`, which the scripts deployment writes).
 */
export const BUCKET_LAYOUT: Readonly<Record<'extract/' | 'load/' | 'logs/' | 'scripts/', string>> = {
  'extract/':
    'Upload CSV files here (any depth). Processed inputs move to extract/archived/YYYY-MM-DD/, inputs that fail validation to extract/rejected/YYYY-MM-DD/.',
  'load/':
    "Snappy Parquet output. load/<dataset>/dt=YYYY-MM-DD/part-*.parquet: every load, Hive partitions (the catalog table <dataset>); load/latest/<dataset>/: the current state, versions/<version>/part-<n>.parquet and _symlink_format_manifest/manifest listing the current version's files (the table <dataset>_latest); load/_meta/<dataset>/: the schema its loads were written with (schema.json) and its last successful run (last-success.json), which the pipeline reads back, so no lifecycle rule expires them; load/_staging/: a run's files before they are published.",
  'logs/': `Run reports and rejected rows of the Glue job: logs/glue-jobs/<dataset>/. Athena query results of the pipeline's workgroup: ${QUERY_RESULTS_PREFIX} (SSE-KMS).`,
  'scripts/': 'The Glue runner, its helpers and the compiled Spark plans (deployed by CDK: do not edit here).',
};

/** Properties of {@link DataBucket}. */
export interface DataBucketProps {
  /** Key of the bucket's default encryption (SSE-KMS with an S3 Bucket Key). */
  readonly encryptionKey: IKey;
  /** Log group of the BucketDeployment handler. */
  readonly deploymentLogGroup: ILogGroup;
  /** Days before archived and rejected inputs move to Standard-IA. */
  readonly inputsInfrequentAccessDays: number;
  /** Days before archived and rejected inputs move to Glacier Flexible Retrieval. */
  readonly inputsGlacierDays: number;
  /** Days before archived and rejected inputs are deleted. */
  readonly inputsExpirationDays: number;
  /**
   * Days before run reports, rejects files (`logs/glue-jobs/`) and Athena query results are deleted; also the server access logs' lifetime.
   * Nothing the pipeline reads back for longer than an execution and its redrive window lives there (the
   * schema record and the last success are in `load/_meta/`): test/infra/lifecycle-read-back.test.ts.
   */
  readonly logsExpirationDays: number;
}

/** The data bucket and its access-log bucket. */
export class DataBucket extends Construct {
  /** The pipeline's bucket. */
  readonly bucket: s3.Bucket;
  /** Destination of the bucket's server access logs. */
  readonly accessLogsBucket: s3.Bucket;
  /** Writes a README into each top-level prefix so that the layout shows in the console. */
  readonly layout: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id);

    // Server access logs cannot be delivered to an SSE-KMS bucket: this one uses SSE-S3.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.logsExpirationDays) }],
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'etl-bucket/',
      // Data outlives the stack: `cdk destroy` leaves the bucket (see the README's clean-up).
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        ...[PREFIX.archived, PREFIX.rejected].map((prefix): s3.LifecycleRule => ({
          id: `inputs-${prefix.split('/')[1]}`,
          prefix,
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.inputsInfrequentAccessDays) },
            { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(props.inputsGlacierDays) },
          ],
          expiration: Duration.days(props.inputsExpirationDays),
        })),
        // Only what an execution reads within itself and its redrive window (run reports) or nobody
        // reads back (rejects files): the records read back for good are in load/_meta/ (PREFIX.meta).
        { id: 'logs', prefix: PREFIX.glueReports, expiration: Duration.days(props.logsExpirationDays) },
        { id: 'query-results', prefix: QUERY_RESULTS_PREFIX, expiration: Duration.days(props.logsExpirationDays) },
        // Versioning keeps replaced and deleted objects (reruns replace load/ files): bound their cost.
        { id: 'noncurrent-versions', noncurrentVersionExpiration: Duration.days(30), expiredObjectDeleteMarker: true },
        { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    this.layout = new s3deploy.BucketDeployment(this, 'Layout', {
      destinationBucket: this.bucket,
      // The scripts deployment prunes scripts/: a README written there by this one would be
      // deleted by the next scripts deployment, so that one writes it.
      sources: Object.entries(BUCKET_LAYOUT)
        .filter(([prefix]) => prefix !== PREFIX.scripts)
        .map(([prefix, text]) => s3deploy.Source.data(`${prefix}README.txt`, `${text}\n`)),
      logGroup: props.deploymentLogGroup,
      // Never prune: this deployment owns only the README files, not the data beside them.
      prune: false,
      retainOnDelete: true,
    });
  }
}
