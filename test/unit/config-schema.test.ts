/**
 * The shipped JSON Schema of etl.config.json (`npm run config-schema`): a fresh generation from
 * the zod schema, and a real validator (ajv, draft 2020-12) accepts the project's config and
 * refuses broken ones, as zod does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2020 from 'ajv/dist/2020';

import { parseConfig } from '../../core/config/dataset-config';
import { CONFIG_SCHEMA_PATH, configJsonSchema, configJsonSchemaText } from '../../scripts/config-schema';
import { PROJECT_ROOT } from '../helpers/local-root';

const projectConfig = (): Record<string, unknown> => JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8')) as Record<string, unknown>;

/** The project's config with its first dataset's first column changed. */
function withFirstColumn(change: Record<string, unknown>): unknown {
  const config = projectConfig() as { datasets: { columns: Record<string, unknown>[] }[] };
  config.datasets[0].columns[0] = { ...config.datasets[0].columns[0], ...change };
  return config;
}

describe('etl.config.schema.json', () => {
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(configJsonSchema());

  it('is what npm run config-schema writes now', () => {
    // Act
    const shipped = readFileSync(CONFIG_SCHEMA_PATH, 'utf-8');

    // Assess
    expect(shipped).toBe(configJsonSchemaText());
  });

  it('is named by etl.config.json, which it accepts (as zod does)', () => {
    // Prepare
    const config = projectConfig();

    // Act
    const valid = validate(config);

    // Assess
    expect(config.$schema).toBe('./etl.config.schema.json');
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(() => parseConfig(config)).not.toThrow();
  });

  it('takes the optional fields as optional (the input side: defaults are not required)', () => {
    // Act
    const valid = validate({ datasets: [{ name: 'small', match: 'extract/small*.csv', columns: [{ name: 'id', type: 'bigint' }] }] });

    // Assess
    expect(valid).toBe(true);
  });

  it('accepts the type spellings zod accepts and refuses the others', () => {
    // Prepare
    const accepted = ['string', 'INTEGER', ' bigint ', 'Decimal(12, 2)', 'decimal(38,0)', 'timestamp', 'date', 'double', 'boolean'];
    const refused = ['int', 'varchar', 'decimal(39,2)', 'decimal(0,0)', 'decimal(12)', 'string[]'];

    // Act
    const verdicts = (types: string[]) =>
      types.map((type) => {
        const document = withFirstColumn({ type });
        let zod = true;
        try {
          parseConfig(document);
        } catch {
          zod = false;
        }
        return { type, schema: validate(document), zod };
      });

    // Assess
    expect(verdicts(accepted)).toEqual(accepted.map((type) => ({ type, schema: true, zod: true })));
    expect(verdicts(refused)).toEqual(refused.map((type) => ({ type, schema: false, zod: false })));
  });

  it('refuses a broken config: an unknown field, a missing type, a match outside extract/, a bad enum', () => {
    // Prepare
    const unknownField = withFirstColumn({ nulable: true });
    const missingType = withFirstColumn({ type: undefined });
    const outside = { datasets: [{ name: 'x', match: 'load/*', columns: [{ name: 'id', type: 'string' }] }] };
    const badEnum = { datasets: [{ name: 'x', match: 'extract/*', columns: [{ name: 'id', type: 'string' }], reuploads: 'overwrite' }] };

    // Act
    const verdicts = [unknownField, JSON.parse(JSON.stringify(missingType)), outside, badEnum].map((document) => validate(document));

    // Assess
    expect(verdicts).toEqual([false, false, false, false]);
    expect(validate(badEnum)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/datasets/0/reuploads');
  });
});
