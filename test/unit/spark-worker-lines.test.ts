/**
 * The local Spark engine's reading of its worker's stdout (local/runtime/engines/spark-job.ts):
 * a line that is not one of the protocol's JSON objects is a log line, never an exception that
 * ends the process (a JVM GC warning on stdout once ended a 1.1 GB bench run that way).
 */
import { workerAnswer } from '../../local/runtime/engines/spark-job';

describe('workerAnswer', () => {
  it('reads the protocol’s JSON objects', () => {
    expect(workerAnswer('{"ready": true, "sparkVersion": "3.5.4"}')).toEqual({ ready: true, sparkVersion: '3.5.4' });
    expect(workerAnswer('{"id": 3, "state": "FAILED", "errorMessage": "TransformError: …"}')).toEqual({
      id: 3,
      state: 'FAILED',
      errorMessage: 'TransformError: …',
    });
  });

  it('leaves any other line to the log: a JVM warning, a bracketed line, a truncated object, a value that is not an object', () => {
    for (const line of [
      '[118.836s][warning][gc,alloc] Executor task launch worker for task 0.0 in stage 11.0 (TID 81): Retried waiting for GCLocker too often allocating 4194304 words',
      '{"id": 1, "state": "SUCC',
      '{not json}',
      '',
      'Picked up JAVA_TOOL_OPTIONS: -Xmx2g',
    ]) {
      expect(workerAnswer(line)).toBeUndefined();
    }
  });
});
