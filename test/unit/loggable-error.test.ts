/**
 * What the handlers' logs say of an error (handlers/observability.ts): its name, its causes' names
 * and its frames, never its message, which may quote the data; an AWS service error's own message
 * is kept. And the failure a wrapped handler logs before its error propagates.
 */
import { mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MalformedCsvError, TransformError } from '../../core/errors';
import { instrument, loggableError } from '../../handlers/observability';
import { capturedObservability } from '../../local/runtime/log-capture';

/** A value of a file, as an error message may quote it. */
const VALUE = 'zelda.quillfeather@leak-canary.example';

it('keeps the name, the causes’ names and the frames of an error, not its message', () => {
  // Prepare: a message that quotes a record over several lines, one of them shaped like a frame
  const error = new MalformedCsvError(`line 3: "${VALUE}\n    at the door, ORD-CANARY-1`, { cause: new TransformError(`could not cast ${VALUE}`) });

  // Act
  const logged = loggableError(error);

  // Assess
  expect(logged.name).toBe('MalformedCsvError');
  expect(logged.causes).toEqual(['TransformError']);
  expect(logged.frames?.length).toBeGreaterThan(0);
  expect(logged.frames?.every((frame) => frame.startsWith('at '))).toBe(true);
  expect(JSON.stringify(logged)).not.toContain(VALUE);
  expect(JSON.stringify(logged)).not.toContain('ORD-CANARY-1');
  expect(logged.aws).toBeUndefined();
});

it("keeps an AWS service error's own message, status and request id", () => {
  // Prepare: the shape of the SDK's ServiceException
  const error = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403, requestId: 'R1' } });

  // Act / Assess
  expect(loggableError(error)).toMatchObject({ name: 'AccessDenied', aws: { message: 'Access Denied', httpStatusCode: 403, requestId: 'R1' } });
});

it('names what is not an Error by its type', () => {
  expect(loggableError(`a record: ${VALUE}`)).toEqual({ name: 'Error' });
  expect(loggableError(42)).toEqual({ name: 'number' });
});

it('logs a wrapped handler’s failure by name, and rethrows the error itself', async () => {
  // Prepare
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-loggable-'));
  const streams: WriteStream[] = [];
  const obs = capturedObservability('etl-test', dir, streams);
  const thrown = new MalformedCsvError(`the CSV cannot be parsed at '${VALUE}'`);
  const handler = instrument(obs, 'test', () => Promise.reject(thrown));

  // Act
  const rejection = await handler({}).catch((e: unknown) => e);
  await Promise.all(streams.map((s) => new Promise((resolve) => s.end(resolve))));
  const lines = readFileSync(path.join(dir, 'etl-test.log'), 'utf-8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });

  // Assess: the Task still gets the message (the notification names it); the log does not
  expect(rejection).toBe(thrown);
  // (Metrics' own warning, that nothing was published, is plain text.)
  const records = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level?: string; message?: string; error?: unknown });
  const failure = records.find((record) => record.level === 'ERROR');
  expect(failure).toMatchObject({ message: 'test failed', error: { name: 'MalformedCsvError' } });
  expect(lines.join('\n')).not.toContain(VALUE);
});
