/**
 * The dataset configuration: one file (`etl.config.json` at the repository root) declares every
 * dataset once. The validator, both transform dialects and the infrastructure derive from it.
 */
import { z } from 'zod';

import { ConfigError } from '../errors';
import { LATEST_TABLE_SUFFIX, datasetLoadPrefix, latestStatePrefix } from '../naming';
import { type ColumnType, parseColumnType } from './column-type';
import { DEFAULT_FAST_PATH_MAX_BYTES } from '../fast-path';
import { routeKey } from './dataset-routing';
import { findMatchOverlaps } from './match-overlap';
import { isKnownTimeZone } from '../value-rules';
import { formatProblem } from '../value-format';

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/**
 * The partition column every output carries (`load/<dataset>/dt=YYYY-MM-DD/`): a declared column
 * of that name would be written twice, so it is refused. (The engines' internal names start with
 * `_`, which {@link IDENTIFIER} already refuses.)
 */
export const PARTITION_COLUMN = 'dt';

/**
 * How the values of a column are written, declared for the dataset (its default) and overridable
 * per column. Frictionless Table Schema's names where one fits (`missingValues`, `trueValues`,
 * `falseValues`, `decimalChar`, `groupChar`); `core/value-rules.ts` is their one definition, which
 * Validate and both SQL dialects apply alike.
 */
const valueFormatFields = {
  /** Values read as missing (NULL), compared after trimming. Frictionless's default: `[""]`. */
  missingValues: z.array(z.string()).optional(),
  /** Remove leading and trailing spaces and tabs from every value before anything else. */
  trim: z.boolean().optional(),
  /** The decimal separator of decimal and double values (`.` or `,`). */
  decimalChar: z.enum(['.', ',']).optional(),
  /** The digit grouping separator of numbers (`,`, `.`, ` ` or `'`), none by default. */
  groupChar: z.enum([',', '.', ' ', "'"]).optional(),
  /** The time zone of timestamps written without an offset: an IANA name (`Europe/Berlin`) or `UTC`. */
  timezone: z
    .string()
    .regex(/^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+){1,2})$/, 'must be UTC or an IANA time zone name such as Europe/Berlin')
    .optional(),
} as const;

/** The header text a column is read from may hold any characters, but not only spaces. */
const SOURCE_HEADER = /\S/;

const columnSchema = z
  .object({
    name: z.string().regex(IDENTIFIER, 'must be lower snake_case (a-z, 0-9, _), starting with a letter'),
    /** The header text of the column as the file writes it (any characters); the name by default. */
    source: z.string().regex(SOURCE_HEADER, 'must not be empty').optional(),
    /**
     * The pattern of a date or timestamp value, in strftime directives (`%d.%m.%Y`, `%m/%d/%Y %H:%M`):
     * `%Y` four-digit year, `%m` `%d` `%H` `%M` `%S` one or two digits, `%f` 1–6 fraction digits,
     * `%z` an offset (`Z`, `+01:00`, `+0100`), `%%` a percent sign; ISO 8601 by default.
     */
    format: z.string().min(1).optional(),
    /** Spellings read as `true` (boolean columns). Frictionless's default: true, True, TRUE, 1. */
    trueValues: z.array(z.string().min(1)).min(1).optional(),
    /** Spellings read as `false` (boolean columns). Frictionless's default: false, False, FALSE, 0. */
    falseValues: z.array(z.string().min(1)).min(1).optional(),
    ...valueFormatFields,
    type: z.string().transform((spelling, ctx): ColumnType => {
      const parsed = parseColumnType(spelling);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
    /** The header must contain the column. */
    required: z.boolean().default(true),
    /** Empty values are allowed (stored as NULL). */
    nullable: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

const thresholdSchema = z
  .object({
    /** Above this value the file ends in WARNING. */
    warn: z.number().nonnegative().optional(),
    /** Above this value the file ends in FAILURE and nothing is loaded. */
    fail: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((t) => t.warn === undefined || t.fail === undefined || t.warn <= t.fail, {
    message: 'warn must not exceed fail',
  });

const qualitySchema = z
  .object({
    /** Malformed rows / rows read. */
    malformedRowRatio: thresholdSchema.default({ warn: 0, fail: 0.1 }),
    /** Duplicates removed (exact + by key) / well-formed rows. */
    duplicateRatio: thresholdSchema.default({ warn: 0.2 }),
    /** |rows out − previous run's rows out| / previous run's rows out. */
    volumeChangeRatio: thresholdSchema.default({ warn: 0.5 }),
    /** What an input that keeps no row after dedupe ends in. */
    emptyAfterDedupe: z.enum(['fail', 'warn']).default('fail'),
  })
  .strict();

const dedupeSchema = z
  .object({
    /** Key columns: one row per key survives. Exact duplicate rows are always removed. */
    keys: z.array(z.string()).default([]),
    /** Among rows sharing a key, keep the one with the greatest value of this column. */
    keepLatestBy: z.string().optional(),
  })
  .strict();

/**
 * The first `dt` the catalog's partition projection covers (`YYYY-MM-DD`): Athena sees the
 * partitions from it to today (ingestion dates) or to a year ahead (a date column). Rows of an
 * earlier date are stored but not visible to Athena: set it to the earliest date the data holds.
 */
const firstDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .default('2020-01-01');

const partitioningSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('ingestion_date'), firstDate: firstDateSchema }).strict(),
  z.object({ by: z.literal('column'), column: z.string(), firstDate: firstDateSchema }).strict(),
]);

const validationSchema = z
  .object({
    /** Files up to this size are checked row by row in full by the Validate step. */
    fullScanMaxBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /** Above that size, only this many leading rows are checked; the transform checks the rest. */
    sampleRows: z.number().int().positive().default(10_000),
  })
  .strict();

/**
 * How the dataset's files are written: Frictionless CSV Dialect's names. Compression (gzip) is
 * detected from the bytes, whatever the file's name.
 */
const dialectSchema = z
  .object({
    /** The field separator. */
    delimiter: z.enum([',', ';', '\t', '|']).default(','),
    /** The quote character. */
    quoteChar: z.enum(['"', "'"]).default('"'),
    /** A quote inside a quoted value is written twice (`""`); false when `escapeChar` escapes it. */
    doubleQuote: z.boolean().default(true),
    /** The character that escapes a quote inside a quoted value (e.g. a backslash), none by default. */
    escapeChar: z.enum(['\\']).optional(),
    /** The first record (after `skipRows`) is the header; without one, columns are read by position. */
    header: z.boolean().default(true),
    /** Lines above the header (titles, export notes) to skip. */
    skipRows: z.number().int().nonnegative().max(100).default(0),
    /** The text encoding of the bytes; a UTF-8 byte-order mark is dropped in any case. */
    encoding: z.enum(['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16']).default('utf-8'),
  })
  .strict()
  .refine((d) => !(d.doubleQuote && d.escapeChar !== undefined), {
    message: 'escapeChar replaces doubleQuote: set doubleQuote to false with it',
  });

/** The dialect of a dataset that declares none: RFC 4180, UTF-8, a header on the first line. */
export const DEFAULT_DIALECT = dialectSchema.parse({});

const datasetSchema = z
  .object({
    name: z.string().regex(IDENTIFIER, 'must be lower snake_case (a-z, 0-9, _), starting with a letter'),
    description: z.string().optional(),
    /** Glob over object keys, e.g. `extract/**\/*orders*.csv`; no key may match two datasets' globs. */
    match: z.string().refine((glob) => glob.startsWith('extract/'), { message: 'must start with "extract/"' }),
    /** How the files are written (delimiter, quotes, header, lines above it, encoding). */
    dialect: dialectSchema.default(DEFAULT_DIALECT),
    columns: z.array(columnSchema).min(1, 'a dataset needs at least one column'),
    /** A header column the dataset does not declare: `refuse` the file (naming it), or `ignore` the column. */
    extraColumns: z.enum(['refuse', 'ignore']).default('refuse'),
    /** Dataset-wide value formats; a column's own setting wins. */
    ...valueFormatFields,
    dedupe: dedupeSchema.default({ keys: [] }),
    partitioning: partitioningSchema.default({ by: 'ingestion_date', firstDate: '2020-01-01' }),
    quality: qualitySchema.default({
      malformedRowRatio: { warn: 0, fail: 0.1 },
      duplicateRatio: { warn: 0.2 },
      volumeChangeRatio: { warn: 0.5 },
      emptyAfterDedupe: 'fail',
    }),
    validation: validationSchema.default({ fullScanMaxBytes: 16 * 1024 * 1024, sampleRows: 10_000 }),
    /**
     * Other bytes uploaded under a key already loaded: `append` loads them as one more load
     * (daily exports under one name); `replace` replaces that key's earlier load (corrections).
     */
    reuploads: z.enum(['append', 'replace']).default('append'),
    /**
     * Files up to this many bytes are transformed in a Lambda function (seconds, billed per ms);
     * larger ones by the Glue job. The same plan and outputs either way; 0 always runs Glue.
     */
    fastPathMaxBytes: z.number().int().nonnegative().default(DEFAULT_FAST_PATH_MAX_BYTES),
  })
  .strict()
  .superRefine((dataset, ctx) => {
    if (latestStatePrefix(dataset.name).startsWith(datasetLoadPrefix(dataset.name))) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `"${dataset.name}" is reserved: its folder ${datasetLoadPrefix(dataset.name)} holds every dataset's current state (${latestStatePrefix('<dataset>')}); rename the dataset`,
      });
    } else if (dataset.name.endsWith(LATEST_TABLE_SUFFIX)) {
      const base = dataset.name.slice(0, -LATEST_TABLE_SUFFIX.length);
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `names ending in "${LATEST_TABLE_SUFFIX}" are reserved: "${dataset.name}" is the table of dataset "${base}"'s current state; rename the dataset`,
      });
    }
    dataset.columns.forEach((column, index) => {
      if (column.name === PARTITION_COLUMN) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', index, 'name'],
          message: `"${PARTITION_COLUMN}" is reserved: it is the partition column of every output (load/<dataset>/${PARTITION_COLUMN}=YYYY-MM-DD/); rename the column`,
        });
      }
    });
    const byName = new Map(dataset.columns.map((c) => [c.name, c]));
    if (byName.size !== dataset.columns.length) {
      const seen = new Set<string>();
      dataset.columns.forEach((column, index) => {
        if (seen.has(column.name)) {
          ctx.addIssue({ code: 'custom', path: ['columns', index, 'name'], message: `duplicate column "${column.name}"` });
        }
        seen.add(column.name);
      });
    }
    const mustBeSolid = (name: string, path: (string | number)[], role: string): void => {
      const column = byName.get(name);
      if (!column) {
        ctx.addIssue({ code: 'custom', path, message: `${role} "${name}" is not a declared column` });
      } else if (column.nullable || !column.required) {
        ctx.addIssue({ code: 'custom', path, message: `${role} "${name}" must be required and not nullable` });
      }
    };
    dataset.dedupe.keys.forEach((key, index) => mustBeSolid(key, ['dedupe', 'keys', index], 'dedupe key'));
    if (dataset.dedupe.keepLatestBy !== undefined) {
      if (dataset.dedupe.keys.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['dedupe', 'keepLatestBy'], message: 'needs dedupe.keys' });
      }
      mustBeSolid(dataset.dedupe.keepLatestBy, ['dedupe', 'keepLatestBy'], 'keepLatestBy column');
    }
    if (dataset.partitioning.by === 'column') {
      const column = byName.get(dataset.partitioning.column);
      if (!column || column.type.kind !== 'date' || column.nullable || !column.required) {
        ctx.addIssue({
          code: 'custom',
          path: ['partitioning', 'column'],
          message: `"${dataset.partitioning.column}" must be a declared, required, non-nullable date column`,
        });
      }
    }
    const sources = new Map<string, number>();
    dataset.columns.forEach((column, index) => {
      const source = columnSource(column);
      const other = sources.get(source);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', index, 'source'],
          message: `header "${source}" is already the source of ${dataset.columns[other].name}`,
        });
      }
      sources.set(source, index);
      const kind = column.type.kind;
      const misplaced = (field: string, kinds: string): void =>
        ctx.addIssue({ code: 'custom', path: ['columns', index, field], message: `applies to ${kinds} columns only (this one is ${kind})` });
      if (column.format !== undefined && kind !== 'date' && kind !== 'timestamp') misplaced('format', 'date and timestamp');
      else if (column.format !== undefined && (kind === 'date' || kind === 'timestamp')) {
        const problem = formatProblem(column.format, kind);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['columns', index, 'format'], message: problem });
      }
      if (column.timezone !== undefined && column.timezone !== 'UTC' && !isKnownTimeZone(column.timezone)) {
        ctx.addIssue({ code: 'custom', path: ['columns', index, 'timezone'], message: `unknown time zone "${column.timezone}"` });
      }
      if (column.timezone !== undefined && kind !== 'timestamp') misplaced('timezone', 'timestamp');
      if ((column.trueValues !== undefined || column.falseValues !== undefined) && kind !== 'boolean') {
        misplaced(column.trueValues !== undefined ? 'trueValues' : 'falseValues', 'boolean');
      }
      if ((column.decimalChar !== undefined || column.groupChar !== undefined) && !['integer', 'bigint', 'decimal', 'double'].includes(kind)) {
        misplaced(column.decimalChar !== undefined ? 'decimalChar' : 'groupChar', 'number');
      }
      const decimalChar = column.decimalChar ?? dataset.decimalChar ?? '.';
      const groupChar = column.groupChar ?? dataset.groupChar;
      if (groupChar === decimalChar) {
        ctx.addIssue({ code: 'custom', path: ['columns', index, 'groupChar'], message: `groupChar and decimalChar are both "${groupChar}"` });
      }
      const trueValues = column.trueValues ?? [];
      const both = (column.falseValues ?? []).filter((v) => trueValues.includes(v));
      if (both.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['columns', index, 'falseValues'], message: `${both.join(', ')} cannot be both true and false` });
      }
    });
    if (dataset.timezone !== undefined && dataset.timezone !== 'UTC' && !isKnownTimeZone(dataset.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone "${dataset.timezone}"` });
    }
    if (!dataset.dialect.header && dataset.extraColumns === 'ignore') {
      // Without a header, a record's extra fields are not columns but a malformed row.
      ctx.addIssue({ code: 'custom', path: ['extraColumns'], message: 'needs a header (dialect.header true) to know which columns are extra' });
    }
    if (!dataset.columns.some((c) => c.required)) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'at least one column must be required' });
    }
  });

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    datasets: z.array(datasetSchema).min(1, 'declare at least one dataset'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.datasets.forEach((dataset, index) => {
      if (seen.has(dataset.name)) {
        ctx.addIssue({ code: 'custom', path: ['datasets', index, 'name'], message: `duplicate dataset "${dataset.name}"` });
      }
      seen.add(dataset.name);
    });
    const match = (index: number): string => `datasets[${index}].match`;
    for (const problem of findMatchOverlaps(config.datasets.map((d) => d.match))) {
      const glob = JSON.stringify(config.datasets[problem.index].match);
      if (problem.kind === 'unsupported') {
        ctx.addIssue({
          code: 'custom',
          path: ['datasets', problem.index, 'match'],
          message: `${glob} cannot be checked against the other datasets' globs (${problem.construct}: a negated extglob "!(…)"?); write it without`,
        });
      } else {
        const example = problem.example === undefined ? '' : ` (both match ${JSON.stringify(problem.example)})`;
        ctx.addIssue({
          code: 'custom',
          path: ['datasets', problem.index, 'match'],
          message: `${glob} overlaps ${match(problem.other)} ${JSON.stringify(config.datasets[problem.other].match)}${example}; make them disjoint`,
        });
      }
    }
  });

/** The header text a column is read from: its `source`, or its name. */
export function columnSource(column: { readonly name: string; readonly source?: string }): string {
  return column.source ?? column.name;
}

/** One column as validated: its type parsed, defaults applied. */
export type ColumnConfig = z.output<typeof columnSchema>;
/** One dataset as validated, defaults applied. */
export type DatasetConfig = z.output<typeof datasetSchema>;
/** How a dataset's files are written. */
export type DialectConfig = z.output<typeof dialectSchema>;
/** Quality thresholds of one dataset. */
export type QualityConfig = z.output<typeof qualitySchema>;
/** The whole configuration file as validated. */
export type EtlConfig = z.output<typeof configSchema>;

/**
 * Validates a parsed config document. Throws {@link ConfigError} listing every problem, each with
 * the path of the field, e.g. `datasets[0].columns[4].type: unknown type "int"; expected …`.
 */
export function parseConfig(document: unknown, source = 'config'): EtlConfig {
  const result = configSchema.safeParse(document);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
  throw new ConfigError(`${source} is invalid:\n${problems.join('\n')}`);
}

/** Parses config JSON text; a syntax error becomes a {@link ConfigError} naming the source. */
export function parseConfigText(text: string, source = 'config'): EtlConfig {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e: unknown) {
    throw new ConfigError(`${source} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfig(document, source);
}

/** The dataset whose `match` glob covers the key (the globs are disjoint), or `undefined` (see {@link routeKey}). */
export function findDatasetForKey(config: EtlConfig, key: string): DatasetConfig | undefined {
  return routeKey(config.datasets, key);
}

/** The dataset of that name; throws {@link ConfigError} listing the known names otherwise. */
export function getDataset(config: EtlConfig, name: string): DatasetConfig {
  const dataset = config.datasets.find((d) => d.name === name);
  if (!dataset) {
    throw new ConfigError(`unknown dataset "${name}"; known: ${config.datasets.map((d) => d.name).join(', ')}`);
  }
  return dataset;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}
