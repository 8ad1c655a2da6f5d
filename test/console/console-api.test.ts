/**
 * The console server's HTTP API: bound to 127.0.0.1 only, read-only but for redrive and
 * upload, paths outside the root refused, errors as JSON, live updates as Server-Sent Events
 * when another process (here: another pipeline on the same root) writes the history.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import type { ApiError, ExecutionDetail, ExecutionSummary, GraphLayout, UploadAnswer } from '../../local/console/api-types';
import { type ConsoleServer, startConsoleServer } from '../../local/console/server';
import { runFiles } from '../../local/cli/run-files';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE } from '../../statemachine/definition';
import { sample, tempRoot } from '../helpers/local-root';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T>(): T;
}

/** A raw HTTP request: the path is sent as written (no normalisation), headers as given. */
function send(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf-8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('console server API', () => {
  let root: string;
  let server: ConsoleServer;
  let succeeded: string;

  beforeAll(async () => {
    root = tempRoot();
    const pipeline = new LocalPipeline({ root });
    const [ok] = await runFiles(pipeline, [sample('orders-clean.csv')], {});
    succeeded = ok.executionName;
    pipeline.close();
    server = await startConsoleServer({ root, port: 0, maxUploadBytes: 16 * 1024, pollMs: 50 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('listens on 127.0.0.1 only, and answers only to its own host name', async () => {
    // Assess
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(await refused('127.0.0.1', server.port)).toBe(false);
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i?.address as string);
    for (const address of [...others, '::1']) expect(await refused(address, server.port)).toBe(true);
    const rebound = await send(server.port, { path: '/api/config', headers: { Host: `evil.example:${server.port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.json<ApiError>().error.name).toBe('ForbiddenHostError');
  });

  it('serves the page and its bundle, with no remote asset', async () => {
    // Act
    const page = await send(server.port, { path: '/' });
    const script = await send(server.port, { path: '/assets/app.js' });
    const styles = await send(server.port, { path: '/assets/styles.css' });

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(script.status).toBe(200);
    expect(styles.status).toBe(200);
    for (const text of [page.text, styles.text]) expect(text).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(styles.text).not.toMatch(/url\(\s*['"]?(https?:)?\/\//);
    expect(script.text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('refuses paths outside the root, however they are written', async () => {
    // Prepare: a link inside the bucket that leads out of it.
    symlinkSync(path.join(root, 'executions.sqlite'), path.join(root, 'bucket', 'logs', 'history.link'));
    const attempts = [
      '/files/../executions.sqlite',
      '/files/..%2Fexecutions.sqlite',
      '/files/%2e%2e/%2e%2e/etc/passwd',
      '/files/extract/..%5C..%5Cexecutions.sqlite',
      '/files/%2Fetc%2Fpasswd',
      '/../../etc/passwd',
      '/assets/../../executions.sqlite',
      '/files/logs/history.link',
    ];

    // Act
    const answers = await Promise.all(attempts.map((p) => send(server.port, { path: p })));

    // Assess
    for (const [i, answer] of answers.entries()) {
      expect([attempts[i], answer.status]).toEqual([attempts[i], 403]);
      expect(answer.json<ApiError>().error.name).toBe('PathOutsideRootError');
      expect(answer.text).not.toContain('SQLite');
    }
  });

  it('serves the bucket read-only: text as plain text, the rest as downloads', async () => {
    // Act
    const log = await send(server.port, { path: '/files/logs/notifications.jsonl' });
    const detail = (await send(server.port, { path: `/api/executions/${succeeded}` })).json<ExecutionDetail>();
    const output = detail.files.find((f) => f.role === 'output');
    const parquet = await send(server.port, { path: `/files/${output?.key}` });
    const put = await send(server.port, { method: 'PUT', path: '/files/logs/notifications.jsonl', body: 'x' });
    const missing = await send(server.port, { path: '/files/load/none.parquet' });

    // Assess
    expect(log.status).toBe(200);
    expect(log.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(log.text).toBe(readFileSync(path.join(root, 'bucket', 'logs', 'notifications.jsonl'), 'utf-8'));
    expect(detail.files.map((f) => f.role)).toEqual(['input, archived', 'run report', 'output', 'current state']);
    expect(parquet.status).toBe(200);
    expect(parquet.headers['content-disposition']).toMatch(/^attachment/);
    expect(put.status).toBe(405);
    expect(missing.status).toBe(404);
  });

  it('lists executions with filters, shows one, and answers 404 for an unknown one', async () => {
    // Act
    const all = (await send(server.port, { path: '/api/executions' })).json<{ executions: ExecutionSummary[] }>();
    const none = (await send(server.port, { path: '/api/executions?status=FAILED' })).json<{ executions: ExecutionSummary[] }>();
    const searched = (await send(server.port, { path: '/api/executions?q=CLEAN' })).json<{ executions: ExecutionSummary[] }>();
    const badStatus = await send(server.port, { path: '/api/executions?status=DONE' });
    const detail = (await send(server.port, { path: `/api/executions/${succeeded}` })).json<ExecutionDetail>();
    const unknown = await send(server.port, { path: '/api/executions/no-such-execution' });

    // Assess
    expect(all.executions).toEqual([expect.objectContaining({ name: succeeded, status: 'SUCCEEDED', outcome: 'SUCCESS', dataset: 'orders' })]);
    expect(none.executions).toEqual([]);
    expect(searched.executions.map((e) => e.name)).toEqual([succeeded]);
    expect(badStatus.status).toBe(400);
    expect(detail.path.states[STATE.Succeeded].status).toBe('succeeded');
    expect(detail.notifications.map((n) => n.topic)).toEqual(['etl-job-success']);
    expect(detail.outcome).toMatchObject({ status: 'SUCCESS', rowsIn: 40 });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(unknown.json<ApiError>().error).toEqual({ name: 'NotFoundError', message: 'no execution named no-such-execution' });
  });

  it('answers the layout of the state machine', async () => {
    // Act
    const graph = (await send(server.port, { path: '/api/graph' })).json<GraphLayout>();

    // Assess
    expect(graph.nodes.map((n) => n.id)).toContain(STATE.RedriveGate);
    expect(new Set(graph.edges.map((e) => e.kind))).toEqual(new Set(['start', 'next', 'choice', 'default', 'catch', 'retry']));
  });

  it('refuses to redrive a succeeded or unknown execution, with an error in JSON', async () => {
    // Act
    const again = await send(server.port, { method: 'POST', path: `/api/executions/${succeeded}/redrive` });
    const unknown = await send(server.port, { method: 'POST', path: '/api/executions/nope/redrive' });
    const viaGet = await send(server.port, { path: `/api/executions/${succeeded}/redrive` });

    // Assess
    expect(again.status).toBe(409);
    expect(again.json<ApiError>().error).toEqual({
      name: 'ExecutionNotRedrivableError',
      message: `${succeeded} is SUCCEEDED: only FAILED or ABORTED executions can be redriven`,
    });
    expect(unknown.status).toBe(404);
    expect(viaGet.status).toBe(405);
    expect(server.pipeline.store.get(succeeded)?.redriveCount).toBe(0);
  });

  it('refuses a POST from another site', async () => {
    // Act
    const answer = await send(server.port, { method: 'POST', path: `/api/executions/${succeeded}/redrive`, headers: { Origin: 'https://evil.example' } });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.json<ApiError>().error.name).toBe('ForbiddenOriginError');
  });

  it('uploads a CSV under extract/ and runs it; refuses a bad name and a file over the limit', async () => {
    // Prepare
    const csv = readFileSync(sample('orders-with-duplicates.csv'));
    const big = Buffer.alloc(20 * 1024, 'a');

    // Act
    const ok = await send(server.port, { method: 'POST', path: '/api/uploads?name=orders-upload.csv', body: csv });
    const badName = await send(server.port, { method: 'POST', path: '/api/uploads?name=..%2Forders.csv', body: csv });
    const notCsv = await send(server.port, { method: 'POST', path: '/api/uploads?name=orders.json', body: csv });
    const gzipped = await send(server.port, { method: 'POST', path: '/api/uploads?name=orders-upload.csv.gz', body: gzipSync(csv) });
    const tooBig = await send(server.port, { method: 'POST', path: '/api/uploads?name=orders-big.csv', body: big });
    const tooBigStreamed = await send(server.port, {
      method: 'POST',
      path: '/api/uploads?name=orders-big.csv',
      body: big,
      headers: { 'Transfer-Encoding': 'chunked' },
    });
    const unknownDataset = await send(server.port, { method: 'POST', path: '/api/uploads?name=orders-x.csv&dataset=nope', body: csv });

    // Assess
    expect(ok.status).toBe(202);
    const answer = ok.json<UploadAnswer>();
    expect(answer.key).toBe('extract/orders-upload.csv');
    const record = await server.pipeline.waitFor(answer.executions[0]);
    expect(record).toMatchObject({ status: 'SUCCEEDED', inputKey: 'extract/orders-upload.csv' });
    expect(badName.status).toBe(400);
    expect(notCsv.status).toBe(400);
    expect(notCsv.json<ApiError>().error.message).toContain('.csv .csv.gz .tsv .tsv.gz .txt');
    expect(gzipped.status).toBe(202);
    expect(gzipped.json<UploadAnswer>().key).toBe('extract/orders-upload.csv.gz');
    expect(tooBig.status).toBe(413);
    expect(tooBig.json<ApiError>().error).toEqual({
      name: 'UploadTooLargeError',
      message: 'the file is 20.0 KiB; the console accepts uploads up to 16.0 KiB (use etl run for larger files)',
    });
    expect(tooBigStreamed.status).toBe(413);
    expect(tooBigStreamed.json<ApiError>().error.message).toBe(
      'the file is more than 16.0 KiB; the console accepts uploads up to 16.0 KiB (use etl run for larger files)',
    );
    expect(existsSync(path.join(root, 'bucket', 'extract', 'orders-big.csv'))).toBe(false);
    expect(unknownDataset.status).toBe(400);
    expect(unknownDataset.json<ApiError>().error.message).toContain('unknown dataset "nope"');
  });

  it('pushes a change notice when another process writes the history', async () => {
    // Prepare: listen on the stream.
    const notices: string[] = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/api/stream' }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      res.setEncoding('utf-8');
      res.on('data', (chunk: string) => notices.push(chunk));
      opened();
    });
    req.end();
    await open;

    // Act: another pipeline on the same root (as etl watch in another process would be).
    const other = new LocalPipeline({ root });
    const [result] = await runFiles(other, [sample('orders-rejected.csv')], {});
    other.close();
    const deadline = Date.now() + 5000;
    while (!notices.join('').includes(result.executionName) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    req.destroy();

    // Assess
    expect(notices.join('')).toMatch(new RegExp(`event: executions\\ndata: \\{"changed":\\[[^\\]]*"${result.executionName}"`));
  });
});
