/**
 * Fault injection at each Task state: the right notification, the input where it belongs, an
 * execution that stops FAILED and, redriven once the fault is removed, resumes at the failed
 * step without rerunning the steps that succeeded and without duplicating rows in load/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { utcDate } from '../../core/naming';
import { runFiles } from '../../local/cli/run-files';
import type { Faults } from '../../local/runtime/faults';
import { ExecutionNotRedrivableError } from '../../local/runtime/errors';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE } from '../../statemachine/definition';
import { glueRouteConfig } from '../helpers/fast-path-config';
import { hasUploadCopy, notifications, readParquet, sample, tempRoot } from '../helpers/local-root';

interface Case {
  readonly faults: Faults;
  readonly file: string;
  /** Topics notified by the failed run. */
  readonly failedTopics: readonly string[];
  readonly error: string;
  /** Where the input is after the failed run. */
  readonly inputAfterFailure: 'in place' | 'rejected' | 'archived';
  /** Topic of the redrive's notification (the fault is gone, so a failed transform now succeeds). */
  readonly redriveTopic: string;
  /** States that must not run again on redrive. */
  readonly notRerun: readonly string[];
  /** `glue`: the fast path off (fastPathMaxBytes 0), so the sample goes to the Glue job's Transform. */
  readonly route?: 'glue';
}

const clean = 'orders-clean.csv';
const CASES: Record<string, Case> = {
  Validate: {
    faults: { [STATE.Validate]: 'fail' },
    file: clean,
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    notRerun: [],
  },
  Transform: {
    faults: { [STATE.Transform]: 'fail' },
    file: clean,
    failedTopics: ['etl-job-failure'],
    error: 'FaultInjectedError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    route: 'glue',
    notRerun: [STATE.Validate],
  },
  'Transform (timeout)': {
    faults: { [STATE.Transform]: 'timeout' },
    file: clean,
    failedTopics: ['etl-job-failure'],
    error: 'States.Timeout',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    route: 'glue',
    notRerun: [STATE.Validate],
  },
  TransformInLambda: {
    faults: { [STATE.TransformInLambda]: 'fail' },
    file: clean,
    failedTopics: ['etl-job-failure'],
    error: 'FaultInjectedError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    notRerun: [STATE.Validate, STATE.Transform],
  },
  'TransformInLambda (timeout)': {
    faults: { [STATE.TransformInLambda]: 'timeout' },
    file: clean,
    failedTopics: ['etl-job-failure'],
    error: 'States.Timeout',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    notRerun: [STATE.Validate, STATE.Transform],
  },
  DescribeTransformFailure: {
    faults: { [STATE.Transform]: 'fail', [STATE.DescribeTransformFailure]: 'fail' },
    file: clean,
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    route: 'glue',
    notRerun: [STATE.Validate],
  },
  NotifyTransformFailure: {
    faults: { [STATE.Transform]: 'fail', [STATE.NotifyTransformFailure]: 'fail' },
    file: clean,
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    route: 'glue',
    notRerun: [STATE.Validate],
  },
  Summarize: {
    faults: { [STATE.Summarize]: 'fail' },
    file: clean,
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    notRerun: [STATE.Validate, STATE.Transform],
  },
  Archive: {
    faults: { [STATE.Archive]: 'fail' },
    file: clean,
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    notRerun: [STATE.Validate, STATE.TransformInLambda, STATE.Summarize],
  },
  NotifySuccess: {
    faults: { [STATE.NotifySuccess]: 'fail' },
    file: clean,
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'archived',
    redriveTopic: 'etl-job-success',
    notRerun: [STATE.Validate, STATE.TransformInLambda, STATE.Summarize, STATE.Archive],
  },
  NotifyWarning: {
    faults: { [STATE.NotifyWarning]: 'fail' },
    file: 'orders-with-duplicates.csv',
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'archived',
    redriveTopic: 'etl-job-warning',
    notRerun: [STATE.Validate, STATE.TransformInLambda, STATE.Summarize, STATE.Archive],
  },
  Reject: {
    faults: { [STATE.Reject]: 'fail' },
    file: 'orders-rejected.csv',
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-failure',
    notRerun: [],
  },
  NotifyRejected: {
    faults: { [STATE.NotifyRejected]: 'fail' },
    file: 'orders-rejected.csv',
    failedTopics: ['etl-critical-alerts'],
    error: 'PipelineCriticalError',
    inputAfterFailure: 'rejected',
    redriveTopic: 'etl-job-failure',
    notRerun: [STATE.Reject],
  },
  RedriveGate: {
    faults: { [STATE.Transform]: 'fail', [STATE.RedriveGate]: 'fail' },
    file: clean,
    failedTopics: ['etl-job-failure'],
    error: 'FaultInjectedError',
    inputAfterFailure: 'in place',
    redriveTopic: 'etl-job-success',
    route: 'glue',
    notRerun: [STATE.Validate],
  },
};

describe('fault injection and redrive', () => {
  it.each(Object.entries(CASES))('a fault at %s: one notification, a redrivable execution, no duplicated rows', async (_state, c) => {
    // Prepare
    const root = tempRoot();
    const today = utcDate(new Date());
    const base = path.basename(c.file);
    const where = {
      'in place': `extract/${base}`,
      rejected: `extract/rejected/${today}/${base}`,
      archived: `extract/archived/${today}/${base}`,
    };
    const configPath = c.route === 'glue' ? glueRouteConfig(root) : undefined;
    const faulty = new LocalPipeline({ root, configPath, faults: c.faults });

    // Act: the failing run
    const [failed] = await runFiles(faulty, [sample(c.file)], {});
    faulty.close();

    // Assess
    expect(notifications(root).map((n) => n.topic)).toEqual(c.failedTopics);
    const bucketDir = path.join(root, 'bucket');
    const present = (place: keyof typeof where): boolean =>
      place === 'in place' ? existsSync(path.join(bucketDir, where[place])) : hasUploadCopy(bucketDir, where[place]);
    expect(present(c.inputAfterFailure)).toBe(true);
    const fixed = new LocalPipeline({ root, configPath });
    expect(fixed.store.get(failed.executionName)).toMatchObject({ status: 'FAILED', error: c.error });
    const eventsBefore = fixed.store.events(failed.executionName).length;

    // Act: redrive with the fault removed
    const { redriveCount } = fixed.redrive(failed.executionName);
    const record = await fixed.waitFor(failed.executionName);

    // Assess
    expect(redriveCount).toBe(1);
    expect(record.redriveCount).toBe(1);
    const topics = notifications(root).map((n) => n.topic);
    expect(topics.slice(c.failedTopics.length)).toEqual([c.redriveTopic]);
    const after = fixed.store.events(failed.executionName).slice(eventsBefore);
    for (const state of c.notRerun) expect(after.filter((e) => e.type === 'StateEntered' && e.state === state)).toEqual([]);
    if (c.redriveTopic !== 'etl-job-failure') {
      expect(record.status).toBe('SUCCEEDED');
      expect(present('archived')).toBe(true);
      const rows = await readParquet(path.join(root, 'bucket', 'load', 'orders'), 'dt=*/*.parquet');
      expect(new Set(rows.map((r) => r.order_id)).size).toBe(rows.length);
    }
    fixed.close();
  });

  it('a failure at NotifyCritical itself leaves the execution redrivable at NotifyCritical; the alert goes out on redrive', async () => {
    // Prepare
    const root = tempRoot();
    const faulty = new LocalPipeline({ root, faults: { [STATE.Archive]: 'fail', [STATE.NotifyCritical]: 'fail' } });
    const [failed] = await runFiles(faulty, [sample(clean)], {});
    faulty.close();
    expect(notifications(root)).toEqual([]);
    const fixed = new LocalPipeline({ root });

    // Act
    const first = fixed.redrive(failed.executionName);
    const afterFirst = await fixed.waitFor(failed.executionName);
    const second = fixed.redrive(failed.executionName);
    const afterSecond = await fixed.waitFor(failed.executionName);

    // Assess: the first redrive sends the alert and stops at the gate; the second completes.
    expect(first.resumedAt).toBe(STATE.NotifyCritical);
    expect(afterFirst).toMatchObject({ status: 'FAILED', error: 'PipelineCriticalError' });
    expect(second.resumedAt).toBe(STATE.RedriveGate);
    expect(afterSecond).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-critical-alerts', 'etl-job-success']);
    fixed.close();
  });

  it('refuses to redrive an execution that succeeded or does not exist', async () => {
    // Prepare
    const pipeline = new LocalPipeline({ root: tempRoot() });
    const [ok] = await runFiles(pipeline, [sample(clean)], {});

    // Assess
    expect(() => pipeline.redrive(ok.executionName)).toThrow(ExecutionNotRedrivableError);
    expect(() => pipeline.redrive('nope')).toThrow(/no execution named nope/);
    pipeline.close();
  });
});
