/**
 * The fast path: a file up to its dataset's `fastPathMaxBytes` is transformed in a Lambda
 * function (the same compiled plan, DuckDB) instead of a Glue job run. The ASL's `ChooseEngine`
 * state makes the choice; {@link transformStateFor} is the same rule in code, for a redrive to
 * resume at the transform that was to run (`test/unit/choose-engine.test.ts` holds the two together).
 * Pure and small: the trigger imports it.
 */
import { STATE } from './pipeline-steps';

/**
 * The default `fastPathMaxBytes` of a dataset: files up to 128 MiB take the fast path. From the
 * bench (`docs/performance.md`, "Fast path"): the largest power-of-two MiB within the largest file
 * measured (1M rows, 187 MB: 6.5 s, 858 MiB peak) and under a quarter of both crossovers (the
 * Lambda slower than Glue's start-up alone from ~587 MB, dearer than Glue's minimum bill from ~11 GB).
 */
export const DEFAULT_FAST_PATH_MAX_BYTES = 128 * 1024 * 1024;

/** What the choice reads of the execution state. */
export interface FastPathFacts {
  /** The object's stored size (compressed, for a gzip file). */
  readonly sizeBytes: number;
  /** The dataset's threshold; absent in an input from before the fast path (then Glue runs). */
  readonly fastPathMaxBytes?: number;
  /** The Glue job whatever the size (`ExecutionInput.forceGlueJob`: the local CLI's `--engine`). */
  readonly forceGlueJob?: boolean;
  /**
   * Validate's report: its `uncompressedSizeBytes` is what the threshold is compared with (a gzip
   * file is judged by the size DuckDB will read); without it, the stored size.
   */
  readonly validation?: { readonly uncompressedSizeBytes?: number } | null;
}

/** The dataset's threshold: its own setting, else the default (0 turns the fast path off). */
export function fastPathMaxBytesOf(dataset: { readonly fastPathMaxBytes?: number } | undefined): number {
  if (!dataset) return 0;
  return dataset.fastPathMaxBytes ?? DEFAULT_FAST_PATH_MAX_BYTES;
}

/** The size the threshold is compared with: the uncompressed size Validate judged, else the stored size. */
export function routedSizeBytes(input: FastPathFacts): number {
  return input.validation?.uncompressedSizeBytes ?? input.sizeBytes;
}

/** Whether the file takes the fast path: not forced to Glue, a threshold above 0 and the file no larger than it. */
export function takesFastPath(input: FastPathFacts): boolean {
  return routeReason(input).kind === 'fits';
}

/**
 * Why ChooseEngine sends the input where it does: `forced` (to Glue: `forceGlueJob`), `off` (to
 * Glue: no threshold, or 0), `fits` (to the fast path: the size is within the threshold) or
 * `larger` (to Glue); with the size compared and the threshold.
 */
export type RouteReason =
  | { readonly kind: 'forced' }
  | { readonly kind: 'off' }
  | { readonly kind: 'fits' | 'larger'; readonly sizeBytes: number; readonly thresholdBytes: number; readonly uncompressed: boolean };

/** The reason of the choice {@link transformStateFor} makes. */
export function routeReason(input: FastPathFacts): RouteReason {
  if (input.forceGlueJob === true) return { kind: 'forced' };
  const threshold = input.fastPathMaxBytes ?? 0;
  if (threshold <= 0) return { kind: 'off' };
  const sizeBytes = routedSizeBytes(input);
  const uncompressed = input.validation?.uncompressedSizeBytes !== undefined && input.validation.uncompressedSizeBytes !== input.sizeBytes;
  return { kind: sizeBytes <= threshold ? 'fits' : 'larger', sizeBytes, thresholdBytes: threshold, uncompressed };
}

/** The transform state `ChooseEngine` sends the input to: `TransformInLambda` or `Transform` (Glue). */
export function transformStateFor(input: FastPathFacts): typeof STATE.TransformInLambda | typeof STATE.Transform {
  return takesFastPath(input) ? STATE.TransformInLambda : STATE.Transform;
}
