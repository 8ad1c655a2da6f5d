/**
 * Every command survives a reader that goes away: `etl … | head -1` in a real shell pipe exits 0
 * with nothing on stderr (Node ignores SIGPIPE; the write fails with EPIPE, which used to be an
 * uncaught `Error: write EPIPE` with its stack, exit 1). The CLI's own exit status is read with
 * bash's pipefail (head exits 0).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { main } from '../../local/cli/main';
import { PROJECT_ROOT, sample, tempRoot } from '../helpers/local-root';

const ETL = path.join(PROJECT_ROOT, 'bin', 'etl.js');

/** A shell word. */
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Runs `node bin/etl.js <args> | <reader>` in bash with pipefail: the CLI's status (head's is 0) and its stderr. */
function piped(args: readonly string[], reader = 'head -1'): Promise<{ status: number | null; stderr: string; read: string }> {
  const command = `${quote(process.execPath)} ${quote(ETL)} ${args.map(quote).join(' ')} | ${reader}`;
  const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'], cwd: PROJECT_ROOT });
  let stderr = '';
  let read = '';
  child.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr, read })));
}

describe('a closed pipe: exit 0, nothing on stderr', () => {
  let root: string;
  let name: string;

  beforeAll(async () => {
    root = tempRoot();
    const out: string[] = [];
    await main(['run', sample('orders-clean.csv'), sample('orders-with-duplicates.csv'), '--root', root, '--json'], {
      out: (l) => out.push(l),
      err: () => undefined,
    });
    name = (JSON.parse(out[0]) as { executionName: string }).executionName;
  });

  it.each([
    ['validate', ['validate'], 'head -1'],
    ['query, a table', ['query', 'SELECT * FROM orders', '--root', '<root>'], 'head -1'],
    ['query, two lines', ['query', 'SELECT * FROM orders', '--root', '<root>'], 'head -2'],
    ['query --json', ['query', 'SELECT * FROM orders', '--root', '<root>', '--json'], 'head -1'],
    // More than a pipe's buffer holds: the write after head has gone fails, whatever the timing.
    ['query, 200 000 rows', ['query', 'SELECT range AS n FROM range(200000)', '--root', '<root>'], 'head -1'],
    ['query, several statements', ['query', 'SELECT range AS n FROM range(100000); SELECT 2 AS b', '--root', '<root>', '--csv'], 'head -1'],
    ['executions list', ['executions', 'list', '--root', '<root>'], 'head -1'],
    ['executions show', ['executions', 'show', '<name>', '--root', '<root>'], 'head'],
    ['executions show --json', ['executions', 'show', '<name>', '--root', '<root>', '--json'], 'head -c 10'],
    ['infer --json', ['infer', sample('orders-clean.csv'), '--json'], 'head -c 10'],
    ['--help', ['--help'], 'head -1'],
    ['a reader that reads nothing', ['validate'], 'true'],
  ])('%s', async (_label, args, reader) => {
    // Act
    const { status, stderr, read } = await piped(
      args.map((a) => a.replace('<root>', root).replace('<name>', name)),
      reader,
    );

    // Assess
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    if (reader !== 'true') expect(read).not.toBe('');
  });

  it('infer | head -1: exit 0, stderr only its summary line', async () => {
    // Act
    const { status, stderr } = await piped(['infer', sample('orders-clean.csv')]);

    // Assess: the summary is infer's report on stderr (README), not an error
    expect(status).toBe(0);
    expect(stderr).toMatch(/^etl infer: orders-clean\.csv: utf-8, delimiter ",", a header; 11 columns, 40 rows\n$/);
  });

  it('run | true: every file still runs to its end, none left RUNNING', async () => {
    // Prepare
    const runRoot = tempRoot();

    // Act
    const { status, stderr } = await piped(['run', sample('orders-clean.csv'), sample('orders-with-duplicates.csv'), '--root', runRoot], 'true');
    const list: string[] = [];
    await main(['executions', 'list', '--root', runRoot, '--json'], { out: (l) => list.push(l), err: () => undefined });

    // Assess
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(list.map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  it('watch | head -1: the banner read, the first result line stops the watch as Ctrl-C does; the execution ends', async () => {
    // Prepare: a file already in extract/ at start
    const watched = tempRoot();
    mkdirSync(path.join(watched, 'bucket', 'extract'), { recursive: true });
    copyFileSync(sample('orders-clean.csv'), path.join(watched, 'bucket', 'extract', 'orders-early.csv'));

    // Act
    const { status, stderr, read } = await piped(['watch', '--root', watched, '--stable-ms', '300']);
    const list: string[] = [];
    await main(['executions', 'list', '--root', watched, '--json'], { out: (l) => list.push(l), err: () => undefined });

    // Assess
    expect(status).toBe(0);
    expect(read).toMatch(/^watching /);
    // stderr carries watch's notifications (its design), nothing else
    expect(stderr.split('\n').filter((l) => l !== '' && !l.startsWith('notification → '))).toEqual([]);
    expect(list.map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['SUCCEEDED']);
  });
});
