/**
 * Redrive: where a failed execution resumes. Each step writes its result under its own field of
 * the state, so the fields present say which steps succeeded; the first missing one is where the
 * execution resumes, and no step that succeeded runs again.
 */
import { type FastPathFacts, transformStateFor } from './fast-path';
import { STATE } from './pipeline-steps';

/** The states a redriven execution can resume at: the ASL's ResumeAt state chooses among them. */
export const RESUME_STATES = [
  STATE.Validate,
  STATE.Reject,
  STATE.NotifyRejected,
  STATE.TransformInLambda,
  STATE.Transform,
  STATE.Summarize,
  STATE.Archive,
  STATE.RouteOutcome,
] as const;

/** A state a redriven execution can resume at. */
export type ResumeState = (typeof RESUME_STATES)[number];

/** The fields of the execution state that record a step's success, and what chose the transform. */
interface StepResults extends Partial<Omit<FastPathFacts, 'validation'>> {
  readonly validation?: { readonly valid?: boolean; readonly uncompressedSizeBytes?: number } | null;
  readonly transform?: unknown;
  readonly outcome?: { readonly status?: string } | null;
  readonly archive?: unknown;
}

/**
 * The first step whose result is missing. Two paths write `outcome`: Summarize (SUCCESS or
 * WARNING, then Archive) and Reject (FAILURE, the input already moved, then NotifyRejected).
 * A missing transform resumes at the one ChooseEngine chose: the input it chose by is the same.
 */
export function resumePoint(state: StepResults): ResumeState {
  if (state.archive) return STATE.RouteOutcome;
  if (state.outcome) return state.outcome.status === 'FAILURE' ? STATE.NotifyRejected : STATE.Archive;
  if (state.transform) return STATE.Summarize;
  if (state.validation) return state.validation.valid === true ? transformToResume(state) : STATE.Reject;
  return STATE.Validate;
}

function transformToResume(state: StepResults): ResumeState {
  return state.sizeBytes === undefined
    ? STATE.Transform
    : transformStateFor({
        sizeBytes: state.sizeBytes,
        fastPathMaxBytes: state.fastPathMaxBytes,
        forceGlueJob: state.forceGlueJob,
        validation: state.validation,
      });
}
