/**
 * `etl infer`: on each real-world file (DuckDB's sniffer for the dialect) the document it prints is
 * valid against etl.config.schema.json and declares what the file holds; `--dataset` names it;
 * usage errors exit 2 with one line, an unreadable file exits 1 with one line (JSON with --json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2020 from 'ajv/dist/2020';

import { REAL_WORLD_FILES, writeRealWorldFile } from '../corpus/real-world';
import { etl } from '../helpers/cli';
import { PROJECT_ROOT, tempRoot } from '../helpers/local-root';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.schema.json'), 'utf-8')) as Record<string, unknown>,
);

describe('etl infer', () => {
  const dir = tempRoot();

  it.each(REAL_WORLD_FILES.map((f) => [f.title, f] as const))('%s: a valid document declaring what the file holds', async (_title, file) => {
    // Prepare
    const target = path.join(dir, file.name.replace(/\W/g, '_'));
    mkdirSync(target, { recursive: true });
    const input = writeRealWorldFile(target, file, 'infer');

    // Act
    const { code, out } = await etl(['infer', input, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const document = JSON.parse(out[0]) as { datasets: { columns: { name: string }[] }[] };
    expect(validate(document)).toBe(true);
    expect(document.datasets).toHaveLength(1);
    const [dataset] = document.datasets;
    expect(dataset).toMatchObject(file.inferred.dataset ?? {});
    const byName = Object.fromEntries(dataset.columns.map((c) => [c.name, c]));
    for (const [name, expected] of Object.entries(file.inferred.columns)) expect(byName[name]).toMatchObject(expected);
  });

  it('names the dataset and the match glob; prints the document indented and a summary on stderr', async () => {
    // Prepare
    const [eu] = REAL_WORLD_FILES;
    const input = writeRealWorldFile(tempRoot(), eu);

    // Act
    const { code, out, err } = await etl(['infer', input, '--dataset', 'shop_orders']);

    // Assess
    expect(code).toBe(0);
    const document = JSON.parse(out.join('\n')) as { datasets: { name: string; match: string }[] };
    expect(document.datasets[0]).toMatchObject({ name: 'shop_orders', match: 'extract/**/orders-eu*.csv' });
    expect(out.join('\n').split('\n').length).toBeGreaterThan(10);
    expect(err).toEqual(['etl infer: orders-eu.csv: utf-8, delimiter ";", a header; 6 columns, 4 rows']);
  });

  it('usage errors: exit 2, one line', async () => {
    const missing = await etl(['infer', path.join(dir, 'nope.csv')]);
    expect(missing).toMatchObject({ code: 2, out: [], err: [`etl: ${path.join(dir, 'nope.csv')}: no such file`] });
    const badName = await etl(['infer', writeRealWorldFile(tempRoot(), REAL_WORLD_FILES[0]), '--dataset', 'Orders']);
    expect(badName.code).toBe(2);
    expect(badName.err).toHaveLength(1);
    expect(badName.err[0]).toMatch(/^etl: --dataset Orders: must be lower snake_case/);
    const noFile = await etl(['infer', '--json']);
    expect(noFile.code).toBe(2);
    expect(JSON.parse(noFile.out[0])).toMatchObject({ error: { name: 'UsageError' } });
  });

  it('an unreadable file: exit 1, one line naming it (JSON with --json)', async () => {
    // Prepare
    const zip = path.join(dir, 'orders.zip');
    writeFileSync(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0]));
    const binary = path.join(dir, 'binary.csv');
    writeFileSync(binary, Buffer.from('a,b\n1,\u0000\n'));

    // Act
    const zipped = await etl(['infer', zip]);
    const json = await etl(['infer', binary, '--json']);

    // Assess
    expect(zipped.code).toBe(1);
    expect(zipped.err).toHaveLength(1);
    expect(zipped.err[0]).toMatch(/orders\.zip: the file is zip-compressed.*gzip/);
    expect(json.code).toBe(1);
    expect(json.out).toHaveLength(1);
    expect(JSON.parse(json.out[0])).toMatchObject({ error: { name: 'InferFailedError', message: expect.stringMatching(/binary\.csv: .*NUL/) } });
  });
});
