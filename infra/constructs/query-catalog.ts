/**
 * The datasets made queryable with Athena, with no crawler: one Glue database holding the tables
 * core/catalog.ts derives from the config (each dataset's loads, `dt` a projected partition, and
 * its `<dataset>_latest` state), an Athena workgroup with enforced, SSE-KMS-encrypted results, and
 * a managed policy that grants querying them and nothing else.
 */
import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { type CatalogColumn, type CatalogTable, QUERY_RESULTS_PREFIX, catalogTables, s3Url, tableParameters } from '../../core/catalog';
import type { EtlConfig } from '../../core/config/dataset-config';
import { PREFIX } from '../../core/naming';
import type { PhysicalNames } from '../physical-names';

/** The database's name before the stage prefix (`dev_etl_pipeline` in stage `dev`). */
export const GLUE_DATABASE_NAME = 'etl_pipeline';
/** The workgroup's name before the stage prefix. */
export const ATHENA_WORKGROUP_NAME = 'etl-pipeline';
/** The name Athena gives the account's Glue Data Catalog (the console's data source). */
export const ATHENA_GLUE_CATALOG = 'AwsDataCatalog';
/** 10 GiB: a query scanning more is cancelled (Athena bills per byte scanned). */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

/** Properties of {@link QueryCatalog}. */
export interface QueryCatalogProps {
  readonly names: PhysicalNames;
  /** The pipeline's bucket: the tables under `load/`, the query results under {@link QUERY_RESULTS_PREFIX}. */
  readonly bucket: IBucket;
  /** The bucket's key: it decrypts the tables' files and encrypts the query results. */
  readonly encryptionKey: IKey;
  /** The datasets whose tables are declared. */
  readonly config: EtlConfig;
  /** Bytes one query may scan before Athena cancels it (at least 10 MB). @default {@link DEFAULT_BYTES_SCANNED_CUTOFF} */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** The Glue database and tables, the Athena workgroup and the policy for querying them. */
export class QueryCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  /** The database's name in this stage. */
  readonly databaseName: string;
  /** The tables, by table name (`orders`, `orders_latest`, …). */
  readonly tables: Readonly<Record<string, glue.CfnTable>>;
  readonly workGroup: athena.CfnWorkGroup;
  /** The workgroup's name in this stage. */
  readonly workGroupName: string;
  /** `s3://<bucket>/logs/athena-results/`. */
  readonly resultsLocation: string;
  /** Grants querying the tables in the workgroup: attach it to the users or roles that query. */
  readonly queryPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: QueryCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.names.glue(GLUE_DATABASE_NAME);
    this.workGroupName = props.names.of(ATHENA_WORKGROUP_NAME);
    this.resultsLocation = s3Url(props.bucket.bucketName, QUERY_RESULTS_PREFIX);

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: `ETL pipeline datasets (${props.config.datasets.map((d) => d.name).join(', ')}): Snappy Parquet under s3://<bucket>/${PREFIX.load}, one table per dataset and one for its latest state.`,
      },
    });

    const catalog = catalogTables(props.config);
    this.tables = Object.fromEntries(catalog.map((table) => [table.name, this.table(table, props.bucket.bucketName)]));

    const bytesScannedCutoffPerQuery = props.bytesScannedCutoffPerQuery ?? DEFAULT_BYTES_SCANNED_CUTOFF;
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `Queries of the ETL pipeline's tables (Glue database ${this.databaseName}); results under ${QUERY_RESULTS_PREFIX}, SSE-KMS.`,
      state: 'ENABLED',
      // The workgroup goes with the stack even when it holds saved queries or query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot pick another results location or turn the encryption off.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.resultsLocation,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    this.queryPolicy = new iam.ManagedPolicy(this, 'QueryPolicy', {
      description: `Query the ETL pipeline's tables (${this.databaseName}) with Athena in the ${this.workGroupName} workgroup`,
      statements: this.queryStatements(props, catalog),
    });
  }

  private table(table: CatalogTable, bucketName: string): glue.CfnTable {
    const column = (c: CatalogColumn): glue.CfnTable.ColumnProperty => ({
      name: c.name,
      type: c.hiveType,
      ...(c.comment === undefined ? {} : { comment: c.comment }),
    });
    const cfn = new glue.CfnTable(this, `Table-${table.name}`, {
      catalogId: Stack.of(this).account,
      // The Ref: the table is created after its database.
      databaseName: this.database.ref,
      tableInput: {
        name: table.name,
        description: table.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: tableParameters(table, bucketName),
        partitionKeys: table.partitionKeys.map(column),
        storageDescriptor: {
          columns: table.columns.map(column),
          location: s3Url(bucketName, table.locationKey),
          inputFormat: table.storage.inputFormat,
          outputFormat: table.storage.outputFormat,
          serdeInfo: { serializationLibrary: table.storage.serde, parameters: { 'serialization.format': '1' } },
          compressed: false,
          storedAsSubDirectories: false,
        },
      },
    });
    return cfn;
  }

  /**
   * Running queries in the workgroup, browsing and reading the catalog's tables (as the Athena
   * console and JDBC/ODBC clients do) and the files below `load/`, and writing and reading the
   * results; the key only through S3.
   */
  private queryStatements(props: QueryCatalogProps, catalog: readonly CatalogTable[]): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const glueArn = (resource: string, resourceName?: string): string => stack.formatArn({ service: 'glue', resource, resourceName });
    const catalogAndDatabase = [glueArn('catalog'), glueArn('database', this.databaseName)];
    return [
      new iam.PolicyStatement({
        sid: 'RunQueriesInTheWorkGroup',
        actions: [
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
          'athena:GetQueryExecution',
          'athena:BatchGetQueryExecution',
          'athena:ListQueryExecutions',
          'athena:GetQueryResults',
          'athena:GetQueryResultsStream',
          'athena:GetQueryRuntimeStatistics',
          'athena:GetWorkGroup',
        ],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName })],
      }),
      // The Service Authorization Reference gives ListDataCatalogs and ListWorkGroups no resource
      // type: they are granted on "*" or not at all (they list names, nothing of a catalog's content).
      new iam.PolicyStatement({
        sid: 'ListCatalogsAndWorkGroups',
        actions: ['athena:ListDataCatalogs', 'athena:ListWorkGroups'],
        resources: ['*'],
      }),
      // These take the datacatalog resource type: Athena's name for the account's Glue Data
      // Catalog. Athena then calls Glue (GetDatabases, GetTables, GetTable) as the caller.
      new iam.PolicyStatement({
        sid: 'BrowseTheCatalog',
        actions: ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:ListDatabases', 'athena:ListTableMetadata', 'athena:GetTableMetadata'],
        resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: ATHENA_GLUE_CATALOG })],
      }),
      new iam.PolicyStatement({
        sid: 'ReadTheCatalog',
        actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [...catalogAndDatabase, ...catalog.map((table) => glueArn('table', `${this.databaseName}/${table.name}`))],
      }),
      // GetTables lists a database's tables: Glue authorises it on the catalog, the database and
      // the tables it returns (the AWS Glue API permissions reference), and the Athena guide's
      // SHOW TABLES policy grants `table/<database>/*`. The database holds only the pipeline's tables.
      new iam.PolicyStatement({
        sid: 'ListTheTables',
        actions: ['glue:GetTables'],
        resources: [...catalogAndDatabase, glueArn('table', `${this.databaseName}/*`)],
      }),
      new iam.PolicyStatement({
        sid: 'ListTheTablesAndResults',
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${PREFIX.load}*`, `${QUERY_RESULTS_PREFIX}*`] } },
      }),
      new iam.PolicyStatement({ sid: 'LocateTheBucket', actions: ['s3:GetBucketLocation'], resources: [props.bucket.bucketArn] }),
      new iam.PolicyStatement({
        sid: 'ReadTheTables',
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${PREFIX.load}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'WriteAndReadResults',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [props.bucket.arnForObjects(`${QUERY_RESULTS_PREFIX}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'UseTheKeyThroughS3',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    ];
  }
}
