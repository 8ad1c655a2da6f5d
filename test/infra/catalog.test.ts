/**
 * The query catalog in the template, read back and held to the dataset definition: the Glue
 * database, each dataset's table (its declared columns and types in order, `dt` a string partition
 * projected per day from `firstDate`) and its `<dataset>_latest` symlink table, the Athena
 * workgroup's enforced, encrypted results, and the query policy's grants.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

import { type DatasetConfig, type EtlConfig, parseConfig, parseConfigText } from '../../core/config/dataset-config';
import { catalogTableNames, datasetLoadPrefix, latestManifestKey } from '../../core/naming';
import { DEFAULT_BYTES_SCANNED_CUTOFF, QueryCatalog } from '../../infra/constructs/query-catalog';
import { PhysicalNames } from '../../infra/physical-names';
import { ROOT, resourcesOf, synthPipeline } from './synth-pipeline';

/** The Hive type each config spelling must become, written out here rather than taken from core. */
const HIVE_TYPES: Record<string, string> = {
  string: 'string',
  integer: 'int',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

/** The config's own spelling of a column's type, from the config file (before parsing). */
function expectedHiveType(spelling: string): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(spelling.replace(/\s/g, ''));
  return decimal ? `decimal(${decimal[1]},${decimal[2]})` : HIVE_TYPES[spelling];
}

interface GlueColumn {
  readonly Name: string;
  readonly Type: string;
  readonly Comment?: string;
}
interface TableInput {
  readonly Name: string;
  readonly Description: string;
  readonly TableType: string;
  readonly Parameters: Record<string, unknown>;
  readonly PartitionKeys: readonly GlueColumn[];
  readonly StorageDescriptor: {
    readonly Columns: readonly GlueColumn[];
    readonly Location: unknown;
    readonly InputFormat: string;
    readonly OutputFormat: string;
    readonly SerdeInfo: { readonly SerializationLibrary: string };
  };
}

/** A template value as text: `{Ref: X}` becomes `<X>`, a `Fn::Join` its joined parts. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (object.Ref !== undefined) return `<${object.Ref}>`;
  if (object['Fn::Join']) return object['Fn::Join'][1].map(text).join(object['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** The template's Glue tables, by name. */
function tablesOf(template: Template): Record<string, TableInput & { readonly database: unknown }> {
  return Object.fromEntries(
    Object.values(resourcesOf(template, 'AWS::Glue::Table')).map((r) => {
      const input = r.Properties?.TableInput as TableInput;
      return [input.Name, { ...input, database: r.Properties?.DatabaseName }];
    }),
  );
}

/** The logical id of the one resource of a type. */
function onlyId(template: Template, type: string): string {
  const ids = Object.keys(resourcesOf(template, type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Checks a template's tables against the config's datasets, as the config file spells them. */
function expectTablesOf(template: Template, bucket: string, config: EtlConfig, document: { datasets: { columns: { type: string }[] }[] }): void {
  const tables = tablesOf(template);
  const database = onlyId(template, 'AWS::Glue::Database');
  expect(Object.keys(tables).sort()).toEqual(config.datasets.flatMap((d) => Object.values(catalogTableNames(d.name))).sort());

  config.datasets.forEach((dataset: DatasetConfig, index) => {
    const columns = dataset.columns.map((c, i) => ({ name: c.name, type: expectedHiveType(document.datasets[index].columns[i].type) }));
    const names = catalogTableNames(dataset.name);
    const loads = tables[names.table];
    const latest = tables[names.latest];

    for (const table of [loads, latest]) {
      expect(table.database).toEqual({ Ref: database });
      expect(table.TableType).toBe('EXTERNAL_TABLE');
      expect(table.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type }))).toEqual(columns);
      expect(table.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
      expect(table.Parameters).toMatchObject({ classification: 'parquet', 'parquet.compression': 'SNAPPY' });
    }
    dataset.columns.forEach((column, i) => expect(loads.StorageDescriptor.Columns[i].Comment).toBe(column.description));

    // The loads: dt=YYYY-MM-DD/ folders, projected from firstDate; no crawler, no partition to add.
    expect(loads.PartitionKeys.map((c) => ({ name: c.Name, type: c.Type }))).toEqual([{ name: 'dt', type: 'string' }]);
    expect(text(loads.StorageDescriptor.Location)).toBe(`s3://<${bucket}>/${datasetLoadPrefix(dataset.name)}`);
    expect(loads.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    const { 'storage.location.template': locationTemplate, ...parameters } = loads.Parameters;
    expect(parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': `${dataset.partitioning.firstDate},${dataset.partitioning.by === 'column' ? 'NOW+1YEARS' : 'NOW'}`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
    });
    expect(text(locationTemplate)).toBe(`s3://<${bucket}>/load/${dataset.name}/dt=\${dt}/`);

    // The latest state: the files its symlink manifest lists, no partition.
    expect(latest.PartitionKeys).toEqual([]);
    expect(`${text(latest.StorageDescriptor.Location)}manifest`).toBe(`s3://<${bucket}>/${latestManifestKey(dataset.name)}`);
    expect(latest.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat');
    expect(latest.StorageDescriptor.OutputFormat).toBe('org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat');
    expect(Object.keys(latest.Parameters).filter((k) => k.startsWith('projection.') || k.startsWith('storage.'))).toEqual([]);
  });
}

describe('the pipeline stack', () => {
  let template: Template;
  /** The data bucket's logical id. */
  let bucket: string;
  const document = JSON.parse(readFileSync(path.join(ROOT, 'etl.config.json'), 'utf-8')) as { datasets: { columns: { type: string }[] }[] };

  beforeAll(() => {
    const built = synthPipeline({ bundle: false });
    template = built.template;
    bucket = built.stack.getLogicalId(built.stack.data.bucket.node.defaultChild as s3.CfnBucket);
  });

  it('declares a table per dataset of etl.config.json and one for its latest state, with the columns the config declares', () => {
    // Prepare
    const config = parseConfigText(JSON.stringify(document));

    // Act / Assess
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'etl_pipeline' } });
    expectTablesOf(template, bucket, config, document);
  });

  it('runs queries in a workgroup that enforces SSE-KMS results under logs/athena-results/, a scan cutoff and metrics', () => {
    // Prepare
    const key = onlyId(template, 'AWS::KMS::Key');

    // Act
    const [workGroup] = Object.values(resourcesOf(template, 'AWS::Athena::WorkGroup'));
    const configuration = workGroup.Properties?.WorkGroupConfiguration as Record<string, unknown> & {
      ResultConfiguration: { OutputLocation: unknown; EncryptionConfiguration: unknown };
    };

    // Assess
    expect(workGroup.Properties?.Name).toBe('etl-pipeline');
    expect(configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: DEFAULT_BYTES_SCANNED_CUTOFF,
    });
    expect(text(configuration.ResultConfiguration.OutputLocation)).toBe(`s3://<${bucket}>/logs/athena-results/`);
    expect(configuration.ResultConfiguration.EncryptionConfiguration).toEqual({ EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [key, 'Arn'] } });
  });

  it('expires the query results with the logs', () => {
    // Prepare
    const rules = (resourcesOf(template, 'AWS::S3::Bucket')[bucket].Properties?.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;

    // Act
    const results = rules.find((r) => r.Prefix === 'logs/athena-results/');

    // Assess
    expect(results).toMatchObject({ Status: 'Enabled', ExpirationInDays: 90 });
  });

  it('grants querying in a managed policy: the workgroup, the catalog’s tables, load/ read, results read and write, the key through S3', () => {
    // Prepare
    const [policy] = Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy'));

    // Act
    const statements = (
      policy.Properties?.PolicyDocument as { Statement: { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] }
    ).Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const resources = (sid: string): string[] => [bySid[sid].Resource].flat().map(text);

    // Assess
    // "*" only where IAM takes nothing else (the listings of catalogs and workgroups: iam-permissions.test.ts).
    expect(statements.filter((s) => [s.Resource].flat().includes('*')).map((s) => s.Sid)).toEqual(['ListCatalogsAndWorkGroups']);
    expect(resources('RunQueriesInTheWorkGroup')).toEqual(['arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/etl-pipeline']);
    expect(resources('ReadTheCatalog')).toEqual([
      'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:catalog',
      'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:database/etl_pipeline',
      'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/etl_pipeline/orders',
      'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/etl_pipeline/orders_latest',
    ]);
    expect([bySid.ReadTheCatalog.Action].flat().every((a) => a.startsWith('glue:Get'))).toBe(true);
    expect(bySid.ReadTheTables.Action).toBe('s3:GetObject');
    expect(resources('ReadTheTables')).toEqual([`{"Fn::GetAtt":["${bucket}","Arn"]}/load/*`]);
    expect(resources('WriteAndReadResults')).toEqual([`{"Fn::GetAtt":["${bucket}","Arn"]}/logs/athena-results/*`]);
    expect(bySid.ListTheTablesAndResults.Condition).toEqual({ StringLike: { 's3:prefix': ['load/*', 'logs/athena-results/*'] } });
    expect(bySid.UseTheKeyThroughS3.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(text((bySid.UseTheKeyThroughS3.Condition as { StringEquals: Record<string, unknown> }).StringEquals['kms:ViaService'])).toBe(
      's3.<AWS::Region>.amazonaws.com',
    );
  });

  it('outputs the database, the workgroup and the policy', () => {
    // Prepare
    const outputs = template.findOutputs('*');

    // Act / Assess
    expect(outputs.GlueDatabaseName.Value).toEqual({ Ref: onlyId(template, 'AWS::Glue::Database') });
    expect(outputs.AthenaWorkGroupName.Value).toEqual({ Ref: onlyId(template, 'AWS::Athena::WorkGroup') });
    expect(outputs.QueryPolicyArn.Value).toEqual({ Ref: onlyId(template, 'AWS::IAM::ManagedPolicy') });
  });
});

describe('a config of two datasets, one partitioned by a date column, in stage dev', () => {
  const document = {
    datasets: [
      {
        name: 'events',
        match: 'extract/events/*.csv',
        columns: [
          { name: 'event_id', type: 'bigint' },
          { name: 'amount', type: 'decimal(14, 4)', description: 'Net amount.' },
          { name: 'ok', type: 'boolean', nullable: true },
          { name: 'seen_at', type: 'timestamp' },
        ],
      },
      {
        name: 'shipments',
        description: 'Shipments by delivery date.',
        match: 'extract/shipments/*.csv',
        columns: [
          { name: 'shipment_id', type: 'string' },
          { name: 'delivery_date', type: 'date' },
          { name: 'parcels', type: 'integer' },
          { name: 'weight', type: 'double' },
        ],
        dedupe: { keys: ['shipment_id'] },
        partitioning: { by: 'column', column: 'delivery_date', firstDate: '2024-06-01' },
      },
    ],
  };
  let template: Template;

  beforeAll(() => {
    const stack = new Stack(new App(), 'Catalog');
    const encryptionKey = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey });
    new QueryCatalog(stack, 'Query', {
      names: new PhysicalNames('dev'),
      bucket,
      encryptionKey,
      config: parseConfig(document),
      bytesScannedCutoffPerQuery: 1e9,
    });
    template = Template.fromStack(stack);
  });

  it('declares both datasets’ tables with their columns, the date column’s dt projected a year ahead', () => {
    // Prepare
    const config = parseConfig(document);

    // Act / Assess
    expectTablesOf(template, onlyId(template, 'AWS::S3::Bucket'), config, document);
    expect(tablesOf(template).shipments.Parameters['projection.dt.range']).toBe('2024-06-01,NOW+1YEARS');
    expect(tablesOf(template).events.Parameters['projection.dt.range']).toBe('2020-01-01,NOW');
  });

  it('names the database and the workgroup after the stage, the database with underscores', () => {
    // Prepare / Act
    const [workGroup] = Object.values(resourcesOf(template, 'AWS::Athena::WorkGroup'));

    // Assess
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'dev_etl_pipeline' } });
    expect(workGroup.Properties).toMatchObject({ Name: 'dev-etl-pipeline', WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 1e9 } });
  });
});
