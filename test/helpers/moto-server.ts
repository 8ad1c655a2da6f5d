/**
 * moto's server — a real AWS HTTP API (S3, SNS, Step Functions …) — on 127.0.0.1 and a free port,
 * from the project's Python environment. A test file starts it in `beforeAll` and stops it in
 * `afterAll`; the server also stops when the test process dies (it exits when its stdin closes).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { pythonInterpreter } from '../../local/runtime/engines/python-env';

/** ThreadedMotoServer picks the port (0: any free one) and reports it on stdout. */
const SERVER = [
  'import sys',
  'from moto.server import ThreadedMotoServer',
  'server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)',
  'server.start()',
  'print("moto-port", server.get_host_and_port()[1], flush=True)',
  'sys.stdin.read()',
  'server.stop()',
].join('\n');

/** What an AWS SDK v3 client needs to talk to the server (region and test credentials included). */
export interface MotoClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** `bucket.127.0.0.1` does not resolve: S3 addresses buckets in the path. */
  readonly forcePathStyle: boolean;
}

/** A running server. */
export interface MotoServer {
  readonly clientConfig: MotoClientConfig;
  stop(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startMotoServer(): Promise<MotoServer> {
  const child: ChildProcessWithoutNullStreams = spawn(pythonInterpreter(), ['-c', SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^moto-port (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`moto's server exited (${code}) before listening: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    clientConfig: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      forcePathStyle: true,
    },
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
