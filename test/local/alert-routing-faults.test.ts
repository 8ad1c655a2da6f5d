/**
 * Faults whose alerting depends on the audit rule's list: the fast path's function killed by the
 * Lambda runtime (out of memory) is one etl-job-failure, the execution ending with the runtime's
 * error name (on the list, so no second, critical alert); a critical alert whose publish times
 * out ends the execution with CriticalNotificationFailedError (not on the list, so the
 * execution-failure rule alerts), and a redrive recovers it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { LocalPipeline } from '../../local/runtime/local-pipeline';
import type { Faults } from '../../local/runtime/faults';
import { notifiedFailureErrors } from '../../infra/constructs/audit-rules';
import { STATE } from '../../statemachine/definition';
import { notifications, sample, tempRoot } from '../helpers/local-root';

const KEY = 'extract/orders-clean.csv';

async function runOne(faults: Faults): Promise<{ pipeline: LocalPipeline; root: string; name: string }> {
  const root = tempRoot();
  const pipeline = new LocalPipeline({ root, faults });
  pipeline.put(sample('orders-clean.csv'), KEY);
  const started = await pipeline.deliver(await pipeline.objectCreatedEvent(KEY));
  const name = started.started[0].executionName;
  await pipeline.waitFor(name);
  return { pipeline, root, name };
}

describe('faults and the audit rule', () => {
  it('TransformInLambda out of memory (Runtime.OutOfMemory): exactly one etl-job-failure, FAILED under that name, input in extract/', async () => {
    // Act
    const { pipeline, root, name } = await runOne({ [STATE.TransformInLambda]: 'oom' });

    // Assess
    const record = pipeline.store.get(name);
    expect(record).toMatchObject({ status: 'FAILED', error: 'Runtime.OutOfMemory' });
    const sent = notifications(root);
    expect(sent.map((n) => n.topic)).toEqual(['etl-job-failure']);
    expect(sent[0].message).toContain('error: Runtime.OutOfMemory: RequestId: local-fault Error: Runtime exited with error: signal: killed');
    expect(notifiedFailureErrors()).toContain(record?.error);
    expect(existsSync(path.join(pipeline.bucket.dir, KEY))).toBe(true);
    pipeline.close();
  }, 120_000);

  it('NotifyCritical timing out too: no notification, FAILED with CriticalNotificationFailedError (the rule alerts), and a redrive recovers', async () => {
    // Act
    const { pipeline, root, name } = await runOne({ [STATE.Summarize]: 'fail', [STATE.NotifyCritical]: 'timeout' });

    // Assess
    expect(pipeline.store.get(name)).toMatchObject({ status: 'FAILED', error: 'CriticalNotificationFailedError' });
    expect(notifiedFailureErrors()).not.toContain('CriticalNotificationFailedError');
    expect(notifications(root)).toEqual([]);
    expect(existsSync(path.join(pipeline.bucket.dir, KEY))).toBe(true);
    pipeline.close();

    // Act: redrive in a process without the faults
    const fixed = new LocalPipeline({ root });
    const { resumedAt } = fixed.redrive(name);
    const redriven = await fixed.waitFor(name);

    // Assess
    expect(resumedAt).toBe(STATE.RedriveGate);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-job-success']);
    fixed.close();
  }, 120_000);

  it('refuses an out-of-memory fault on a Task that is not a Lambda function', () => {
    expect(() => new LocalPipeline({ root: tempRoot(), faults: { [STATE.Transform]: 'oom' } })).toThrow('only a Lambda Task');
  });
});
