/**
 * `etl console`: a small HTTP server on 127.0.0.1 for the page that shows the local executions
 * (graph, path, timeline, input and output, notifications, files) and acts on them. It reads the
 * history and the bucket, and changes nothing except through its two actions: redrive an
 * execution, upload a CSV. Live updates go out as Server-Sent Events.
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { InvalidKeyError } from '../../core/errors';
import { DATA_FILE_SUFFIXES } from '../../core/naming';
import type { ExecutionStatus } from '../runtime/execution-store';
import type { EngineName } from '../runtime/engines/glue-job';
import { loadLocalDefinition } from '../runtime/definition';
import { ExecutionNotRedrivableError } from '../runtime/errors';
import { LocalPipeline } from '../runtime/local-pipeline';
import type { ApiError, ConsoleConfig, GraphLayout, RedriveAnswer } from './api-types';
import { ConsoleRequestError, NotFoundError, PathOutsideRootError } from './errors';
import { executionDetail, executionSummaries } from './execution-view';
import { layoutStateMachine } from './graph-layout';
import { NotificationLog } from './notification-log';
import { StoreChanges } from './store-changes';
import { receiveUpload } from './uploads';
import { type WebAsset, webAssets } from './web-assets';

/** The only interface the console listens on. */
export const CONSOLE_HOST = '127.0.0.1';

/** The port `etl console` listens on without `--port`. */
export const DEFAULT_CONSOLE_PORT = 4173;

/** The largest upload the console takes without `maxUploadBytes`: 64 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** Options of the console server. */
export interface ConsoleServerOptions {
  /** The local root (`<root>/bucket`, `<root>/executions.sqlite`). */
  readonly root: string;
  /** The port; 0 picks a free one. @default 4173 */
  readonly port?: number;
  /** The dataset configuration file. @default etl.config.json of the project */
  readonly configPath?: string;
  /**
   * What runs the Transform state of redrives and uploads; given, every upload takes the Glue
   * route on it (the fast path skipped). @default 'duckdb', for the files ChooseEngine sends to Glue
   */
  readonly engine?: EngineName;
  /** The largest CSV the page may upload. @default 64 MiB */
  readonly maxUploadBytes?: number;
  /** How often the history is checked for changes while a page listens, in ms. @default 300 */
  readonly pollMs?: number;
}

/** A running console. */
export interface ConsoleServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** The pipeline that runs the console's redrives and uploads. */
  readonly pipeline: LocalPipeline;
  /** Stops listening, ends the live streams, waits for the executions it started, closes the history. */
  close(): Promise<void>;
}

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'];

/**
 * Starts the console.
 *
 * @example
 * const console = await startConsoleServer({ root: '.etl', port: 0 });
 * process.stdout.write(`console: ${console.url}\n`);
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const assets = await webAssets();
  const root = path.resolve(options.root);
  // An engine named runs every upload's transform, as `etl run --engine` (the fast path skipped).
  const pipeline = new LocalPipeline({ root, configPath: options.configPath, engine: options.engine, forceGlueJob: options.engine !== undefined });
  const context: Context = {
    pipeline,
    assets,
    graph: layoutStateMachine(loadLocalDefinition()),
    notifications: new NotificationLog(path.join(pipeline.bucket.dir, 'logs', 'notifications.jsonl')),
    changes: new StoreChanges(pipeline.store, path.join(root, 'executions.sqlite'), options.pollMs ?? 300),
    config: {
      root,
      datasets: pipeline.config.datasets.map((d) => d.name),
      maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      uploadSuffixes: DATA_FILE_SUFFIXES,
    },
    streams: new Set(),
    port: 0,
  };
  const server = createServer((request, response) => {
    handle(context, request, response).catch((e: unknown) => sendError(response, e));
  });
  try {
    await listen(server, options.port ?? DEFAULT_CONSOLE_PORT);
  } catch (e: unknown) {
    context.changes.close();
    pipeline.close();
    throw e;
  }
  context.port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${CONSOLE_HOST}:${context.port}/`,
    port: context.port,
    pipeline,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const stream of context.streams) stream.end();
        server.closeAllConnections();
        await closed;
        await pipeline.idle();
        context.changes.close();
        pipeline.close();
      })()),
  };
}

interface Context {
  readonly pipeline: LocalPipeline;
  readonly assets: ReadonlyMap<string, WebAsset>;
  readonly graph: GraphLayout;
  readonly notifications: NotificationLog;
  readonly changes: StoreChanges;
  readonly config: ConsoleConfig;
  readonly streams: Set<ServerResponse>;
  port: number;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, CONSOLE_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  checkOrigin(context, request);
  const rawPath = (request.url ?? '/').split('?')[0];
  // Refuse `..` before anything normalises it away: a path that climbs is refused, never resolved.
  if (rawPath.split('/').some((segment) => safeDecode(segment).split(/[/\\]/).includes('..'))) {
    throw new PathOutsideRootError(`${rawPath} climbs out of the console's root`);
  }
  const url = new URL(request.url ?? '/', `http://${CONSOLE_HOST}`);
  const method = request.method ?? 'GET';
  const route = url.pathname;

  const asset = context.assets.get(route === '/index.html' ? '/' : route);
  if (asset) {
    allow(method, ['GET', 'HEAD']);
    return sendAsset(response, asset, method);
  }
  if (route.startsWith('/files/')) {
    allow(method, ['GET', 'HEAD']);
    return sendFile(context, response, safeDecode(route.slice('/files/'.length)), method);
  }
  if (route === '/api/config' || route === '/api/graph' || route === '/api/stream') {
    allow(method, ['GET']);
    if (route === '/api/stream') return openStream(context, request, response);
    return sendJson(response, 200, route === '/api/config' ? context.config : context.graph);
  }
  if (route === '/api/executions') {
    allow(method, ['GET']);
    const status = url.searchParams.get('status') || undefined;
    if (status !== undefined && !STATUSES.includes(status as ExecutionStatus)) {
      throw new ConsoleRequestError(400, `status must be one of ${STATUSES.join(', ')}`, 'InvalidQueryError');
    }
    const limit = Number(url.searchParams.get('limit') ?? 200);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new ConsoleRequestError(400, 'limit must be a whole number from 1 to 1000', 'InvalidQueryError');
    const executions = executionSummaries(context.pipeline, context.notifications, {
      status: status as ExecutionStatus | undefined,
      search: url.searchParams.get('q') ?? undefined,
      limit,
    });
    return sendJson(response, 200, { executions });
  }
  const redrive = /^\/api\/executions\/([^/]+)\/redrive$/.exec(route);
  if (redrive) {
    allow(method, ['POST']);
    return sendJson(response, 202, startRedrive(context, safeDecode(redrive[1])));
  }
  const one = /^\/api\/executions\/([^/]+)$/.exec(route);
  if (one) {
    allow(method, ['GET']);
    const name = safeDecode(one[1]);
    const detail = executionDetail(context.pipeline, context.notifications, name);
    if (!detail) throw new NotFoundError(`no execution named ${name}`);
    return sendJson(response, 200, detail);
  }
  if (route === '/api/uploads') {
    allow(method, ['POST']);
    const answer = await receiveUpload(request, context.pipeline, {
      name: url.searchParams.get('name'),
      dataset: url.searchParams.get('dataset') || null,
      maxBytes: context.config.maxUploadBytes,
    });
    return sendJson(response, 202, answer);
  }
  throw new NotFoundError(`nothing at ${route}`);
}

function startRedrive(context: Context, name: string): RedriveAnswer {
  const record = context.pipeline.store.get(name);
  if (!record) throw new NotFoundError(`no execution named ${name}`);
  // Say why first: the pipeline would only find no failed state in a succeeded history.
  if (record.status === 'SUCCEEDED' || record.status === 'RUNNING') {
    throw new ExecutionNotRedrivableError(`${name} is ${record.status}: only FAILED or ABORTED executions can be redriven`);
  }
  const { redriveCount, resumedAt } = context.pipeline.redrive(name);
  return { name, redriveCount, resumedAt };
}

/**
 * Only this server's own pages may call it: the Host must be the loopback address (no DNS
 * rebinding), and a browser's Origin, when sent, must be this server (no cross-site POST).
 */
function checkOrigin(context: Context, request: IncomingMessage): void {
  const allowed = [`${CONSOLE_HOST}:${context.port}`, `localhost:${context.port}`];
  const host = request.headers.host ?? '';
  if (!allowed.includes(host))
    throw new ConsoleRequestError(403, `the console answers only on ${allowed[0]}, not ${host || 'an empty Host'}`, 'ForbiddenHostError');
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new ConsoleRequestError(403, `requests from ${origin} are refused`, 'ForbiddenOriginError');
  }
}

/** Throws 405 unless the method is one of `methods`. */
function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) throw new ConsoleRequestError(405, `${method} is not allowed here; use ${methods.join(' or ')}`, 'MethodNotAllowedError');
}

function openStream(context: Context, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
  response.write('retry: 2000\n\n');
  context.streams.add(response);
  const unsubscribe = context.changes.subscribe((notice) => response.write(`event: executions\ndata: ${JSON.stringify(notice)}\n\n`));
  // A comment now and then keeps proxies and idle timers from closing the stream.
  const heartbeat = setInterval(() => response.write(': ping\n\n'), 15_000);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
    context.streams.delete(response);
  };
  request.on('close', stop);
  response.on('close', stop);
}

/** A file of the bucket, read-only; anything outside the bucket folder is refused. */
function sendFile(context: Context, response: ServerResponse, key: string, method: string): void {
  let file: string;
  try {
    file = context.pipeline.bucket.pathOf(key);
  } catch (e: unknown) {
    if (e instanceof InvalidKeyError) throw new PathOutsideRootError(e.message, { cause: e });
    throw e;
  }
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new NotFoundError(`no file ${key} in the bucket`);
  }
  // A symbolic link inside the bucket must not lead out of it.
  if (!real.startsWith(realpathSync(context.pipeline.bucket.dir) + path.sep)) throw new PathOutsideRootError(`${key} leads outside the bucket`);
  const info = statSync(real);
  if (!info.isFile()) throw new NotFoundError(`no file ${key} in the bucket`);
  const headers: Record<string, string | number> = { ...COMMON_HEADERS, 'Content-Type': fileType(key), 'Content-Length': info.size };
  if (headers['Content-Type'] === 'application/octet-stream')
    headers['Content-Disposition'] = `attachment; filename="${path.basename(key).replace(/["\\]/g, '_')}"`;
  response.writeHead(200, headers);
  if (method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(real)
    .on('error', () => response.destroy())
    .pipe(response);
}

/** Text is served as plain text (never as HTML the browser would run); the rest is a download. */
function fileType(key: string): string {
  const ext = path.extname(key).toLowerCase();
  if (ext === '.json') return 'application/json; charset=utf-8';
  if (['.csv', '.jsonl', '.log', '.txt'].includes(ext)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendAsset(response: ServerResponse, asset: WebAsset, method: string): void {
  response.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': asset.contentType,
    'Content-Length': asset.body.length,
    'Content-Security-Policy': PAGE_POLICY,
  });
  response.end(method === 'HEAD' ? undefined : asset.body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, e: unknown): void {
  const [status, name, message] =
    e instanceof ConsoleRequestError
      ? [e.status, e.name, e.message]
      : e instanceof ExecutionNotRedrivableError
        ? [409, e.name, e.message]
        : e instanceof Error
          ? [500, e.name, e.message]
          : [500, 'Error', String(e)];
  const body: ApiError = { error: { name, message } };
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // The request body may not have been read (a refused upload): do not keep the connection.
  response.setHeader('Connection', 'close');
  sendJson(response, status, body);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (e: unknown) {
    throw new ConsoleRequestError(400, `${text} is not a valid URL path`, 'InvalidPathError', { cause: e });
  }
}
