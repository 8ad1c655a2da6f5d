/**
 * The synth's schema lock (infra/schema-lock.ts, called by infra/app.ts before the stack is built):
 * written when absent, followed on a compatible evolution, and an incompatible config refused with
 * SchemaEvolutionError, the lock left as it was. Every lock here is in a temp folder: the
 * repository's own is never written by a test.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type EtlConfig, parseConfig } from '../../core/config/dataset-config';
import { ConfigError, SchemaEvolutionError } from '../../core/errors';
import { CONFIG_FILE } from '../../infra/etl-pipeline-stack';
import { enforceSchemaLock, SCHEMA_LOCK_FILE } from '../../infra/schema-lock';
import { ROOT } from './synth-pipeline';

/** The config document of the deployment, to edit. */
interface ConfigDocument {
  datasets: { columns: { name: string; type: string; nullable?: boolean }[] }[];
}

const document = (): ConfigDocument => JSON.parse(readFileSync(path.join(ROOT, CONFIG_FILE), 'utf-8')) as ConfigDocument;

function config(edit: (d: ConfigDocument) => void = () => undefined): EtlConfig {
  const d = document();
  edit(d);
  return parseConfig(d, CONFIG_FILE);
}

const setType = (name: string, type: string) => (d: ConfigDocument) => {
  const column = d.datasets[0].columns.find((c) => c.name === name);
  if (column) column.type = type;
};

describe('the schema lock at synth', () => {
  let lockPath: string;
  beforeEach(() => {
    lockPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'etl-lock-')), SCHEMA_LOCK_FILE);
  });

  it('is written when absent: the committed lock is what the synth writes for etl.config.json', () => {
    // Act
    const wrote = enforceSchemaLock(config(), lockPath);

    // Assess
    expect(wrote).toBe(true);
    expect(readFileSync(lockPath, 'utf-8')).toBe(readFileSync(path.join(ROOT, SCHEMA_LOCK_FILE), 'utf-8'));
    expect(enforceSchemaLock(config(), lockPath)).toBe(false);
  });

  it('follows a compatible evolution (a nullable column added)', () => {
    // Prepare
    enforceSchemaLock(config(), lockPath);

    // Act
    const wrote = enforceSchemaLock(
      config((d) => d.datasets[0].columns.push({ name: 'channel', type: 'string', nullable: true })),
      lockPath,
    );

    // Assess
    expect(wrote).toBe(true);
    expect(readFileSync(lockPath, 'utf-8')).toContain('{ "name": "channel", "type": "string", "nullable": true }');
  });

  it.each([
    ['quantity', 'bigint', 'integer → bigint'],
    ['unit_price', 'decimal(14,4)', 'decimal(12,2) → decimal(14,4)'],
  ])('refuses %s changed to %s with SchemaEvolutionError, and leaves the lock as it was', (name, type, change) => {
    // Prepare
    enforceSchemaLock(config(), lockPath);
    const before = readFileSync(lockPath, 'utf-8');

    // Act
    const synth = () => enforceSchemaLock(config(setType(name, type)), lockPath);

    // Assess
    expect(synth).toThrow(SchemaEvolutionError);
    expect(synth).toThrow(`column "${name}" changed type: ${change}`);
    expect(synth).toThrow(`the schema locked in ${SCHEMA_LOCK_FILE}`);
    expect(readFileSync(lockPath, 'utf-8')).toBe(before);
  });

  it('holds etl.config.json to the committed lock: an incompatible change is refused', () => {
    // Prepare: a copy of the committed lock
    writeFileSync(lockPath, readFileSync(path.join(ROOT, SCHEMA_LOCK_FILE)));

    // Act
    const synth = () => enforceSchemaLock(config(setType('quantity', 'bigint')), lockPath);

    // Assess
    expect(synth).toThrow(SchemaEvolutionError);
  });

  it('is a ConfigError naming the file when it is not a lock', () => {
    // Prepare
    writeFileSync(lockPath, '{"datasets": 1}');

    // Act
    const synth = () => enforceSchemaLock(config(), lockPath);

    // Assess
    expect(synth).toThrow(ConfigError);
    expect(synth).toThrow(SCHEMA_LOCK_FILE);
    expect(existsSync(lockPath)).toBe(true);
  });

  it('is checked by the app before the stack is built', () => {
    // Prepare
    const app = readFileSync(path.join(ROOT, 'infra', 'app.ts'), 'utf-8');

    // Assess
    expect(app.indexOf('enforceSchemaLock(')).toBeGreaterThan(-1);
    expect(app.indexOf('enforceSchemaLock(')).toBeLessThan(app.indexOf('addPipelineStack(app)'));
  });
});
