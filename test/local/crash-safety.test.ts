/**
 * Crash safety: `etl watch` killed with SIGKILL in the middle of a transform and started again.
 * The interrupted execution shows as ABORTED (ExecutionInterruptedError) and can be redriven;
 * a file that arrived meanwhile is processed; nothing is lost and nothing is processed twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { main } from '../../local/cli/main';
import { ExecutionStore } from '../../local/runtime/execution-store';
import { STATE } from '../../statemachine/definition';
import { PROJECT_ROOT, notifications, readParquet, sample, tempRoot } from '../helpers/local-root';

const ETL = path.join(PROJECT_ROOT, 'bin', 'etl.js');

function startWatch(root: string): ChildProcess {
  return spawn(process.execPath, [ETL, 'watch', '--root', root], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An orders file of `rows` distinct orders, big enough for a transform that lasts a while. */
function bigOrders(file: string, rows: number): void {
  const [header, first] = readFileSync(sample('orders-clean.csv'), 'utf-8').split('\n');
  const rest = first.slice(first.indexOf(','));
  const lines = [header];
  for (let i = 0; i < rows; i += 1) lines.push(`BIG-${i}${rest}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('crash safety', () => {
  it('SIGKILL mid-run: interrupted execution ABORTED and redrivable, new arrivals processed, no input lost or run twice', async () => {
    // Prepare
    const root = tempRoot();
    const extract = path.join(root, 'bucket', 'extract');
    const big = path.join(root, 'orders-big.csv');
    bigOrders(big, 300_000);
    let watcher = startWatch(root);
    await until(() => (existsSync(path.join(root, 'executions.sqlite')) ? true : undefined), 'the watcher to start');
    const store = new ExecutionStore(path.join(root, 'executions.sqlite'));

    // Act: kill the watcher while the big file is in its transform step
    await new Promise((resolve) => setTimeout(resolve, 1500));
    copyFileSync(big, path.join(extract, 'orders-big.csv'));
    const interrupted = await until(() => {
      const running = store.list({ status: 'RUNNING' })[0];
      // Either transform: ChooseEngine picks by the file's size and the dataset's fastPathMaxBytes.
      const transforming = (state: string | null): boolean => state === STATE.Transform || state === STATE.TransformInLambda;
      return running && store.events(running.name).some((e) => e.type === 'StateEntered' && transforming(e.state)) ? running.name : undefined;
    }, 'the big file to reach its transform');
    watcher.kill('SIGKILL');
    await new Promise((resolve) => watcher.once('exit', resolve));
    copyFileSync(sample('orders-clean.csv'), path.join(extract, 'orders-arrived-meanwhile.csv'));
    watcher = startWatch(root);
    const meanwhile = await until(
      () => store.list().find((e) => e.inputKey === 'extract/orders-arrived-meanwhile.csv' && e.status !== 'RUNNING'),
      'the file that arrived meanwhile to be processed',
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    watcher.kill('SIGTERM');
    await new Promise((resolve) => watcher.once('exit', resolve));

    // Assess: shown as interrupted, the new file done, the big file neither lost nor started twice
    expect(store.get(interrupted)).toMatchObject({ status: 'ABORTED', error: 'ExecutionInterruptedError' });
    expect(meanwhile.status).toBe('SUCCEEDED');
    expect(store.list().filter((e) => e.inputKey === 'extract/orders-big.csv')).toHaveLength(1);
    expect(existsSync(path.join(extract, 'orders-big.csv'))).toBe(true);

    // Act: redrive the interrupted execution
    const out: string[] = [];
    const code = await main(['executions', 'redrive', interrupted, '--root', root], { out: (l) => out.push(l), err: () => undefined });

    // Assess
    expect(code).toBe(0);
    // WARNING: 300 000 rows against the 40 of the previous run crosses the volume-change threshold.
    expect(out[0]).toMatch(/^WARNING .*rows 300000 in → 300000 out/);
    const rows = await readParquet(path.join(root, 'bucket', 'load', 'orders'), 'dt=*/*.parquet');
    expect(rows).toHaveLength(300_000 + 40);
    expect(
      notifications(root)
        .map((n) => n.topic)
        .sort(),
    ).toEqual(['etl-job-success', 'etl-job-warning']);
    store.close();
  }, 120_000);
});
