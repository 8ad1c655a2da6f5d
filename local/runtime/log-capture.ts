/**
 * Captures the Powertools log lines and EMF metrics of the in-process handlers into
 * `<root>/bucket/logs/lambda/<function>.log`, as CloudWatch Logs would hold them on AWS.
 *
 * Powertools writes through a private `console` built on `process.stdout` (as Lambda captures
 * stdout); locally that would mix JSON into the CLI's output, so we point that console at a file.
 * A test asserts the capture works, so a Powertools change that breaks it cannot go unnoticed.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { Console } from 'node:console';
import path from 'node:path';

import { createObservability, type Observability } from '../../handlers/observability';

/**
 * Builds a function's Powertools set whose output goes to `<logsDir>/<serviceName>.log`; the file's
 * stream is added to `streams` when given, for its owner to close.
 */
export function capturedObservability(serviceName: string, logsDir: string, streams?: WriteStream[]): Observability {
  mkdirSync(logsDir, { recursive: true });
  const stream = createWriteStream(path.join(logsDir, `${serviceName}.log`), { flags: 'a' });
  streams?.push(stream);
  const sink = new Console({ stdout: stream, stderr: stream });
  const obs = createObservability(serviceName, sink);
  Reflect.set(obs.logger, 'console', sink);
  Reflect.set(obs.metrics, 'console', sink);
  return obs;
}
