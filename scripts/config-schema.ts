/**
 * `npm run config-schema`: writes `etl.config.schema.json`, the JSON Schema of `etl.config.json`,
 * generated from the zod schema that validates it (`core/config/dataset-config.ts`), so editors
 * complete and check the file. The input side: fields with a default are optional. What zod's
 * refinements check (a column `type`'s spelling, `match` under `extract/`) is added here as
 * patterns; the cross-field rules (dedupe keys declared, no duplicate names) stay zod's alone.
 * `test/unit/config-schema.test.ts` fails when the shipped file is not a fresh generation.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { COLUMN_TYPE_SPELLINGS } from '../core/config/column-type';
import { configSchema } from '../core/config/dataset-config';

/** Where the schema ships: beside `etl.config.json`, which names it in `$schema`. */
export const CONFIG_SCHEMA_PATH = path.resolve(__dirname, '..', 'etl.config.schema.json');

type JsonSchema = { [key: string]: unknown };

/**
 * A pattern matching `word` in any case (`[sS][tT]…`): the parser lower-cases the spelling, and a
 * JSON Schema pattern has no flags.
 */
function anyCase(word: string): string {
  return [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c.replace(/[()]/g, '\\$&'))).join('');
}

/**
 * The accepted spellings of a column type as one pattern, as `parseColumnType` reads them:
 * surrounding spaces allowed, any case, `decimal(p,s)` with a precision of 1–38 (the schema
 * cannot tell a scale above the precision; zod does).
 */
export function columnTypePattern(): string {
  const simple = COLUMN_TYPE_SPELLINGS.split(', ').filter((spelling) => !spelling.includes('('));
  const decimal = `${anyCase('decimal')}\\(\\s*0*([1-9]|[12][0-9]|3[0-8])\\s*,\\s*[0-9]+\\s*\\)`;
  return `^\\s*(${[...simple.map(anyCase), decimal].join('|')})\\s*$`;
}

/** The object at `keys` below `schema`; throws when the zod schema's shape moved. */
function at(schema: JsonSchema, keys: readonly string[]): JsonSchema {
  let node: unknown = schema;
  for (const key of keys) {
    node = (node as JsonSchema | undefined)?.[key];
    if (typeof node !== 'object' || node === null) throw new Error(`the generated schema has no ${keys.join('.')}`);
  }
  return node as JsonSchema;
}

/** The JSON Schema of `etl.config.json`, as shipped. */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchema;
  const dataset = at(schema, ['properties', 'datasets', 'items']);
  Object.assign(at(dataset, ['properties', 'columns', 'items', 'properties', 'type']), {
    description: `The column's type: one of ${COLUMN_TYPE_SPELLINGS} (any case; decimal precision 1–38, scale at most the precision).`,
    pattern: columnTypePattern(),
    examples: [...COLUMN_TYPE_SPELLINGS.split(', ').filter((spelling) => !spelling.includes('(')), 'decimal(12,2)'],
  });
  Object.assign(at(dataset, ['properties', 'match']), {
    description: 'Glob over object keys, starting with extract/ (e.g. extract/**/*orders*.csv).',
    pattern: '^extract/',
  });
  Object.assign(at(schema, ['properties', '$schema']), { description: 'The JSON Schema of this file: ./etl.config.schema.json.' });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'etl.config.json',
    description: 'The datasets of the ETL pipeline. Generated from core/config/dataset-config.ts by npm run config-schema; do not edit.',
    ...rest,
  };
}

/** The text of the shipped file. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(CONFIG_SCHEMA_PATH, configJsonSchemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), CONFIG_SCHEMA_PATH)}\n`);
}
