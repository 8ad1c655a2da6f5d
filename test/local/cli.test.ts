/**
 * The `etl` CLI: JSON lines, exit codes, executions list/show, and the acceptance check that
 * the Parquet written for a file with exact and key duplicates and quoted newlines holds one row
 * per order_id, the latest by order_ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseString } from 'fast-csv';

import { utcDate } from '../../core/naming';
import { etl } from '../helpers/cli';
import { PROJECT_ROOT, notifications as notificationsOf, readParquet, sample, tempRoot, withoutUploadId, writeCsv } from '../helpers/local-root';

async function csvRecords(text: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  await new Promise<void>((resolve, reject) =>
    parseString(text, { headers: true })
      .on('data', (r: Record<string, string>) => rows.push(r))
      .on('end', () => resolve())
      .on('error', reject),
  );
  return rows;
}

describe('etl CLI', () => {
  it('run --json: Parquet holds one row per order_id, the latest order_ts, quoted newlines intact', async () => {
    // Prepare: exact duplicates, key duplicates with later timestamps, and a quoted newline.
    const root = tempRoot();
    const header = readFileSync(sample('orders-clean.csv'), 'utf-8').split('\n')[0];
    const rows = [
      'A-1,C1,a@example.com,SKU-1,1,10.00,EUR,2026-11-20T10:00:00Z,2026-11-20,PAID,"first line\nsecond line, with ""quotes"""',
      'A-1,C1,a@example.com,SKU-1,1,10.00,EUR,2026-11-20T10:00:00Z,2026-11-20,PAID,"first line\nsecond line, with ""quotes"""',
      'A-1,C1,a@example.com,SKU-1,2,10.00,EUR,2026-11-20T12:30:00Z,2026-11-20,SHIPPED,',
      'A-2,C2,b@example.com,SKU-2,3,5.50,EUR,2026-11-21T09:00:00+01:00,2026-11-21,PAID,',
      'A-2,C2,b@example.com,SKU-2,3,5.50,EUR,2026-11-21T07:59:59Z,2026-11-21,PENDING,',
      'A-3,C3,c@example.com,SKU-3,1,99.99,EUR,2026-11-22 08:00:00,2026-11-22,PAID,"multi\nline\nnote"',
      'A-3,C3,c@example.com,SKU-3,1,99.99,EUR,2026-11-22 08:00:00,2026-11-22,PAID,"multi\nline\nnote"',
    ];
    const file = writeCsv(root, 'orders-dupes.csv', `${header}\n${rows.join('\n')}\n`);

    // Act
    const { code, out } = await etl(['run', file, '--root', root, '--json']);

    // Assess
    expect(code).toBe(0);
    const result = JSON.parse(out[0]);
    expect(result).toMatchObject({
      dataset: 'orders',
      inputKey: 'extract/orders-dupes.csv',
      rowsIn: 7,
      rowsOut: 3,
      duplicatesRemoved: 4,
      malformedRows: 0,
      outputPrefix: 'load/orders/',
    });
    expect(['SUCCESS', 'WARNING']).toContain(result.status);
    expect(withoutUploadId(result.archivedKey)).toBe(`extract/archived/${utcDate(new Date())}/orders-dupes.csv`);
    for (const field of ['topic', 'executionName', 'durationMs']) expect(result).toHaveProperty(field);

    const input = await csvRecords(`${header}\n${rows.join('\n')}\n`);
    const latest = new Map<string, number>();
    for (const r of input)
      latest.set(r.order_id, Math.max(latest.get(r.order_id) ?? 0, Date.parse(r.order_ts.replace(' ', 'T') + (/[Z+]/.test(r.order_ts.slice(19)) ? '' : 'Z'))));
    const parquet = await readParquet(path.join(root, 'bucket', 'load', 'orders'), 'dt=*/*.parquet');
    expect(parquet).toHaveLength(latest.size);
    for (const row of parquet) {
      expect((row.order_ts as Date).getTime()).toBe(latest.get(row.order_id as string));
    }
    const a1 = parquet.find((r) => r.order_id === 'A-1');
    expect(a1).toMatchObject({ status: 'SHIPPED', quantity: 2, notes: null });
    expect(parquet.find((r) => r.order_id === 'A-3')?.notes).toBe('multi\nline\nnote');
    expect(parquet.find((r) => r.order_id === 'A-2')?.status).toBe('PAID');
  });

  it('run exits 1 when any file ends FAILURE, and prints one line per file', async () => {
    // Act
    const { code, out } = await etl(['run', sample('orders-clean.csv'), sample('orders-rejected.csv'), '--root', tempRoot()]);

    // Assess
    expect(code).toBe(1);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^SUCCESS/);
    expect(out[1]).toMatch(/^FAILURE .*HeaderMismatchError/);
  });

  it('usage errors exit 2: missing file, unknown option, unknown dataset, bad config', async () => {
    // Prepare
    const root = tempRoot();
    const badConfig = writeCsv(root, 'bad.json', '{"datasets": [{"name": "x", "match": "load/*", "columns": []}]}');

    // Act
    const missing = await etl(['run', path.join(root, 'nope.csv'), '--root', root]);
    const unknownOption = await etl(['run', '--frobnicate', sample('orders-clean.csv')]);
    const unknownDataset = await etl(['run', sample('orders-clean.csv'), '--dataset', 'nope', '--root', root]);
    const config = await etl(['run', sample('orders-clean.csv'), '--config', badConfig, '--root', root]);

    // Assess
    expect([missing.code, unknownOption.code, unknownDataset.code, config.code]).toEqual([2, 2, 2, 2]);
    expect(missing.err.join('\n')).toContain('no such file');
    expect(unknownDataset.err.join('\n')).toContain('unknown dataset "nope"');
    expect(config.err.join('\n')).toMatch(/datasets\[0\]\.match: must start with "extract\/"/);
  });

  it('usage errors exit 2 with one line before anything runs: no --config file, --root a file, bad --memory-limit, a key the bucket refuses', async () => {
    // Prepare
    const root = tempRoot();
    const aFile = writeCsv(root, 'not-a-folder', 'x');
    const newline = writeCsv(root, 'orders\nnewline.csv', readFileSync(sample('orders-clean.csv'), 'utf-8'));

    // Act
    const runs = [
      await etl(['run', sample('orders-clean.csv'), '--root', root, '--config', path.join(root, 'missing.json')]),
      await etl(['run', sample('orders-clean.csv'), '--root', aFile]),
      await etl(['run', sample('orders-clean.csv'), '--root', root, '--memory-limit', 'abc']),
      await etl(['run', newline, '--root', root]),
    ];

    // Assess
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(runs.map((r) => r.err.length)).toEqual([1, 1, 1, 1]);
    expect(runs[0].err[0]).toMatch(/--config .*missing\.json: no such file/);
    expect(runs[1].err[0]).toMatch(/--root .*not-a-folder: not a folder/);
    expect(runs[2].err[0]).toMatch(/--memory-limit.*must be a size such as 512MB or 2GB/);
    expect(runs[3].err[0]).toMatch(/^etl: object key "extract\/orders\\nnewline\.csv" is not a safe relative key/);
    expect(notificationsOf(root)).toEqual([]);
  });

  it('--dataset uploads under a key the dataset matches', async () => {
    // Prepare
    const root = tempRoot();
    const file = writeCsv(root, 'export.csv', readFileSync(sample('orders-clean.csv'), 'utf-8'));

    // Act
    const { code, out } = await etl(['run', file, '--dataset', 'orders', '--root', root, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out[0])).toMatchObject({ status: 'SUCCESS', inputKey: 'extract/orders/orders-export.csv' });
  });

  it('executions list and show read the history', async () => {
    // Prepare
    const root = tempRoot();
    const run = await etl(['run', sample('orders-rejected.csv'), '--root', root, '--json']);
    const name = JSON.parse(run.out[0]).executionName as string;

    // Act
    const list = await etl(['executions', 'list', '--root', root, '--status', 'FAILED']);
    const show = await etl(['executions', 'show', name, '--root', root]);
    const missing = await etl(['executions', 'show', 'no-such-execution', '--root', root]);

    // Assess
    expect(list.out).toHaveLength(1);
    expect(list.out[0]).toContain(name);
    expect(show.code).toBe(0);
    expect(show.out.join('\n')).toMatch(/status: FAILED[\s\S]*HeaderMismatchError[\s\S]*StateEntered +Reject/);
    expect(missing.code).toBe(1);
  });

  it('the installed bin prints help with the exit codes', () => {
    // Act
    const help = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'etl.js'), '--help'], { encoding: 'utf-8' });

    // Assess
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain('2  usage error');
  });

  it('help names every --fault kind, and for a redrive that --engine keeps the route the execution took', async () => {
    // Act
    const run = (await etl(['run', '--help'])).out.join('\n').replace(/\s+/g, ' ');
    const redrive = (await etl(['executions', 'redrive', '--help'])).out.join('\n').replace(/\s+/g, ' ');

    // Assess: the kinds local/runtime/faults.ts accepts; a redrive resumes on the route it took (core/redrive.ts)
    for (const kind of ['fail', 'timeout', 'oom']) expect(run).toMatch(new RegExp(`--fault <state=kind> .*\\b${kind}\\b`));
    expect(redrive).toContain('the route stays the one the execution took');
    expect(redrive).not.toContain('the fast path skipped');
  });

  it('the installed bin prints the version of package.json and exits 0', () => {
    // Prepare
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf-8')) as { version: string };

    // Act
    const shown = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'etl.js'), '--version'], { encoding: 'utf-8' });

    // Assess
    expect({ status: shown.status, stdout: shown.stdout.trim() }).toEqual({ status: 0, stdout: version });
  });
});
