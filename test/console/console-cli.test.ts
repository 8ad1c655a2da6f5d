/**
 * `etl console`: prints its address on 127.0.0.1, serves until Ctrl-C, and reports a bad or
 * busy port as a usage error (exit code 2).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

import type { ConsoleConfig } from '../../local/console/api-types';
import { startConsoleServer } from '../../local/console/server';
import { etl } from '../helpers/cli';
import { PROJECT_ROOT, tempRoot } from '../helpers/local-root';

/** Resolves with the first stdout line matching `pattern`. */
function lineOf(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf-8');
      const match = pattern.exec(text);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`etl console exited (${code}) before printing its address: ${text}`)));
  });
}

describe('etl console', () => {
  it('prints its address on 127.0.0.1, serves the page, and stops on Ctrl-C', async () => {
    // Prepare
    const root = tempRoot();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'etl.js'), 'console', '--root', root, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // Act
    const [, url] = await lineOf(child, /^console: (http:\/\/127\.0\.0\.1:\d+\/) \(root (.+); Ctrl-C to stop\)$/m);
    const config = (await (await fetch(`${url}api/config`)).json()) as ConsoleConfig;
    child.kill('SIGINT');

    // Assess
    expect(config.root).toBe(root);
    expect(config.datasets).toContain('orders');
    expect(await exited).toBe(0);
  });

  it('refuses a port out of range, and a port in use, as usage errors', async () => {
    // Prepare
    const root = tempRoot();
    const busy = await startConsoleServer({ root, port: 0 });

    // Act
    const outOfRange = await etl(['console', '--root', root, '--port', '70000']);
    const inUse = await etl(['console', '--root', root, '--port', String(busy.port)]);
    await busy.close();

    // Assess
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.err.join('\n')).toContain('must be a port number from 0 to 65535');
    expect(inUse.code).toBe(2);
    expect(inUse.err).toEqual([`etl: port ${busy.port} is in use on 127.0.0.1; choose another with --port N (0 picks a free one)`]);
  });
});
