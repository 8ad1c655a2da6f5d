/**
 * A burst of small files against a fast path with little concurrency (as in a new account, whose
 * small unreserved pool each 3008 MB TransformInLambda run takes from): the local runtime refuses
 * invocations beyond the function's limit with Lambda.TooManyRequestsException, as Lambda does,
 * and the ASL's throttling Retry waits them out — every file SUCCESS, no critical alert.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE, parseDefinition, readAslText, retriersOf } from '../../statemachine/definition';
import { notifications, sample, tempRoot } from '../helpers/local-root';

const FILES = 50;
/** Fast-path runs at once: Lambda's reserved concurrency, locally. */
const CONCURRENCY = 4;
/**
 * Each throttling retry waits this long locally (on AWS: 2 s doubling to 120 s, fully jittered).
 * A local override has no jitter, so the throttled runs retry in waves: each wave lets in up to
 * CONCURRENCY of them, and the burst needs about FILES / CONCURRENCY = 13 waves of
 * max(this, one run) — of the 24 attempts a throttled run has, while a run takes under 5 s
 * (well under one here, a few on a loaded 2-core machine). About 40 s in all.
 */
const THROTTLE_RETRY_MS = 3000;

describe('a burst against the fast path’s concurrency', () => {
  it(`${FILES} small files at once, ${CONCURRENCY} fast-path runs at a time: throttled, waited out, ${FILES} SUCCESS, no critical alert`, async () => {
    // Prepare
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root, lambdaConcurrency: { transformInLambda: CONCURRENCY }, throttleRetryMs: THROTTLE_RETRY_MS });
    const keys = Array.from({ length: FILES }, (_, i) => `extract/orders-burst-${String(i).padStart(2, '0')}.csv`);
    for (const key of keys) pipeline.put(sample('orders-clean.csv'), key);

    // Act: every event delivered at once, as S3 sends them for a bulk upload
    const started = await Promise.all(keys.map(async (key) => pipeline.deliver(await pipeline.objectCreatedEvent(key))));
    const names = started.flatMap((result) => result.started.map((s) => s.executionName));
    const records = await Promise.all(names.map((name) => pipeline.waitFor(name)));

    // Assess
    expect(names).toHaveLength(FILES);
    expect(records.map((r) => [r.inputKey, r.status, r.error])).toEqual(keys.map((key) => [key, 'SUCCEEDED', null]));
    const topics = notifications(root).map((n) => n.topic);
    expect(topics).toHaveLength(FILES);
    expect(topics).not.toContain('etl-critical-alerts');
    expect(new Set(topics)).toEqual(new Set(['etl-job-success']));
    for (const key of keys) expect(existsSync(path.join(pipeline.bucket.dir, key))).toBe(false);
    // The limit did bite: invocations were refused with Lambda's throttle, and retried.
    const throttles = names.flatMap((name) =>
      pipeline.store
        .events(name)
        .filter(
          (e) =>
            e.type === 'StateFailed' && e.state === STATE.TransformInLambda && (e.detail as { Error?: string }).Error === 'Lambda.TooManyRequestsException',
        ),
    );
    expect(throttles.length).toBeGreaterThan(0);
    const retried = names.flatMap((name) => pipeline.store.events(name).filter((e) => e.type === 'StateRetried' && e.state === STATE.TransformInLambda));
    expect(retried).toHaveLength(throttles.length);
    pipeline.close();
  }, 300_000);

  it('sizes the local wait from the ASL: MaxAttempts of the throttling retry × the local interval', () => {
    // Act
    const transform = parseDefinition(readAslText()).States[STATE.TransformInLambda];
    const throttling = retriersOf(transform).find((retrier) => retrier.ErrorEquals.includes('Lambda.TooManyRequestsException'));

    // Assess: 24 × 3 s, far more than the burst takes to drain here
    expect(((throttling?.MaxAttempts ?? 3) * THROTTLE_RETRY_MS) / 1000).toBe(72);
  });
});
