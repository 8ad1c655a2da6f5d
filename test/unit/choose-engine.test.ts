/**
 * The size Choice: ChooseEngine, run in aws-local-stepfunctions, sends a file up to its dataset's
 * `fastPathMaxBytes` to TransformInLambda and every other to the Glue job, as core/fast-path.ts
 * decides for a redrive; the threshold comes from the config through the execution input. An
 * input with `forceGlueJob` (the local CLI's --engine) goes to the Glue job whatever its size.
 */
import { parseConfig } from '../../core/config/dataset-config';
import { buildExecutionInput, type ExecutionInput } from '../../core/execution-input';
import { DEFAULT_FAST_PATH_MAX_BYTES, fastPathMaxBytesOf, routeReason, transformStateFor } from '../../core/fast-path';
import { resumePoint } from '../../core/redrive';
import { STATE } from '../../statemachine/definition';
import { runStates } from '../helpers/asl-run';

const MIB = 1024 * 1024;

function inputFor(sizeBytes: number, fastPathMaxBytes?: number) {
  return buildExecutionInput(
    { bucket: 'etl-bucket', key: 'extract/orders.csv', version: 'v1', versionId: 'v1', sizeBytes, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**', ...(fastPathMaxBytes === undefined ? {} : { fastPathMaxBytes }) },
  );
}

/** The transform state ChooseEngine goes on to. */
async function chosen(input: object): Promise<string> {
  const run = await runStates(STATE.ChooseEngine, input, {
    [STATE.TransformInLambda]: () => ({ Id: 'jr_1', JobRunState: 'SUCCEEDED' }),
    [STATE.Transform]: () => ({ Id: 'jr_1', JobRunState: 'SUCCEEDED' }),
    // Stop right after the transform: the test is about the branch.
    [STATE.Summarize]: () => {
      throw Object.assign(new Error('stop'), { name: 'StopError' });
    },
    [STATE.NotifyCritical]: () => ({ MessageId: 'm' }),
    [STATE.RedriveGate]: () => {
      throw Object.assign(new Error('stop'), { name: 'StopError' });
    },
  });
  expect(run.entered[0]).toBe(STATE.ChooseEngine);
  return run.entered[1];
}

describe('ChooseEngine', () => {
  it.each([
    ['a small file, default threshold', 40_000, undefined, STATE.TransformInLambda],
    ['a file of exactly the threshold', 5 * MIB, 5 * MIB, STATE.TransformInLambda],
    ['a file one byte above it', 5 * MIB + 1, 5 * MIB, STATE.Transform],
    ['a file above the default', DEFAULT_FAST_PATH_MAX_BYTES + 1, undefined, STATE.Transform],
    ['threshold 0 (fast path off)', 10, 0, STATE.Transform],
    ['an empty file', 0, 5 * MIB, STATE.TransformInLambda],
  ])('%s goes to the state core/fast-path.ts names', async (_case, size, threshold, expected) => {
    // Prepare
    const input = inputFor(size, threshold);

    // Act
    const next = await chosen(input);

    // Assess
    expect(next).toBe(expected);
    expect(transformStateFor(input)).toBe(expected);
  });

  it.each([
    ['a gzip file that inflates past the threshold', 1 * MIB, 6 * MIB, STATE.Transform],
    ['a gzip file that inflates to the threshold', 1 * MIB, 5 * MIB, STATE.TransformInLambda],
    ['a plain file (uncompressed = stored size)', 5 * MIB, 5 * MIB, STATE.TransformInLambda],
  ])('%s: the uncompressed size Validate judged is compared, not the stored one', async (_case, stored, uncompressed, expected) => {
    // Prepare
    const state = { ...inputFor(stored, 5 * MIB), validation: { valid: true, uncompressedSizeBytes: uncompressed } };

    // Act
    const next = await chosen(state);

    // Assess
    expect(next).toBe(expected);
    expect(transformStateFor(state)).toBe(expected);
    expect(resumePoint(state)).toBe(expected);
  });

  it('sends an input from before the fast path (no threshold) to the Glue job', async () => {
    // Prepare
    const old = Object.fromEntries(Object.entries(inputFor(10, 5 * MIB)).filter(([field]) => field !== 'fastPathMaxBytes')) as Omit<
      ExecutionInput,
      'fastPathMaxBytes'
    >;

    // Act / Assess
    expect(await chosen(old)).toBe(STATE.Transform);
    expect(transformStateFor(old)).toBe(STATE.Transform);
  });

  it.each([
    ['forceGlueJob true: the Glue job, however small the file', true, STATE.Transform],
    ['forceGlueJob false: the size rule', false, STATE.TransformInLambda],
    ['no forceGlueJob (the deployed trigger): the size rule', undefined, STATE.TransformInLambda],
  ])('%s', async (_case, forceGlueJob, expected) => {
    // Prepare: a file well within the threshold, as --engine sets the field or not
    const state = { ...inputFor(10, 5 * MIB), ...(forceGlueJob === undefined ? {} : { forceGlueJob }), validation: { valid: true, uncompressedSizeBytes: 10 } };

    // Act
    const next = await chosen(state);

    // Assess: the ASL, the rule in code, a redrive and the reason the CLI prints agree
    expect(next).toBe(expected);
    expect(transformStateFor(state)).toBe(expected);
    expect(resumePoint(state)).toBe(expected);
    expect(routeReason(state).kind).toBe(forceGlueJob === true ? 'forced' : 'fits');
  });

  it('names why: the size and the threshold compared, or the fast path off', () => {
    // Act / Assess
    expect(routeReason(inputFor(10, 5 * MIB))).toEqual({ kind: 'fits', sizeBytes: 10, thresholdBytes: 5 * MIB, uncompressed: false });
    expect(routeReason({ ...inputFor(MIB, 5 * MIB), validation: { uncompressedSizeBytes: 6 * MIB } })).toEqual({
      kind: 'larger',
      sizeBytes: 6 * MIB,
      thresholdBytes: 5 * MIB,
      uncompressed: true,
    });
    expect(routeReason(inputFor(10, 0))).toEqual({ kind: 'off' });
  });

  it('a redrive resumes at the transform that was chosen', () => {
    // Prepare
    const valid = { validation: { valid: true } };

    // Act / Assess
    expect(resumePoint({ ...inputFor(10, 5 * MIB), ...valid })).toBe(STATE.TransformInLambda);
    expect(resumePoint({ ...inputFor(10, 0), ...valid })).toBe(STATE.Transform);
    expect(resumePoint({ ...inputFor(6 * MIB, 5 * MIB), ...valid })).toBe(STATE.Transform);
    expect(resumePoint({ ...inputFor(10, 5 * MIB), ...valid, transform: { jobRunId: 'jr' } })).toBe(STATE.Summarize);
  });
});

describe('fastPathMaxBytes', () => {
  const dataset = { name: 'orders', match: 'extract/**', columns: [{ name: 'id', type: 'string' }] };

  it('defaults to DEFAULT_FAST_PATH_MAX_BYTES; 0 is allowed, a negative or fractional size is not', () => {
    // Act
    const parsed = parseConfig({ datasets: [dataset] });

    // Assess
    expect(parsed.datasets[0].fastPathMaxBytes).toBe(DEFAULT_FAST_PATH_MAX_BYTES);
    expect(parseConfig({ datasets: [{ ...dataset, fastPathMaxBytes: 0 }] }).datasets[0].fastPathMaxBytes).toBe(0);
    expect(() => parseConfig({ datasets: [{ ...dataset, fastPathMaxBytes: -1 }] })).toThrow(/fastPathMaxBytes/);
    expect(() => parseConfig({ datasets: [{ ...dataset, fastPathMaxBytes: 1.5 }] })).toThrow(/fastPathMaxBytes/);
  });

  it('reaches the execution input: the dataset’s own, the default, or 0 for no dataset', () => {
    // Assess: and the input the trigger builds never forces the Glue job (only the local --engine does)
    expect(inputFor(1)).not.toHaveProperty('forceGlueJob');
    expect(inputFor(1, 123).fastPathMaxBytes).toBe(123);
    expect(inputFor(1).fastPathMaxBytes).toBe(DEFAULT_FAST_PATH_MAX_BYTES);
    expect(fastPathMaxBytesOf(undefined)).toBe(0);
  });
});
