/**
 * Error classes of the handlers: an event or a deployment the functions cannot work with, and the
 * RedriveGate's failure. Each sets a stable `name`, as the domain's errors do (core/errors.ts).
 */
import { EtlError } from '../core/errors';

/** The event is neither an S3 event notification nor the S3 test event. */
export class InvalidEventError extends EtlError {
  static override readonly errorName = 'InvalidEventError';
  static override readonly kinds = ['critical'] as const;
}

/** Raised after all records were tried when at least one could not be started (Lambda retries). */
export class TriggerStartError extends EtlError {
  static override readonly errorName = 'TriggerStartError';
  static override readonly kinds = ['critical'] as const;
}

/** The state machine ARN the functions were given is not one. */
export class InvalidStateMachineArnError extends EtlError {
  static override readonly errorName = 'InvalidStateMachineArnError';
  static override readonly kinds = ['critical'] as const;
}

/** An environment variable the stack sets is missing: the function was deployed without it. */
export class MissingEnvironmentVariableError extends EtlError {
  static override readonly errorName = 'MissingEnvironmentVariableError';
  static override readonly kinds = ['critical'] as const;
}

/**
 * The RedriveGate's failure after a transform failure was notified: it takes the notified error's
 * name (`QualityThresholdError`, `States.Timeout`, …), so Step Functions shows that name, never
 * this class's. Its kinds are those of the failure it names: a verdict on the data, or the
 * pipeline's own. (A critical failure ends with `PipelineCriticalError` instead.)
 */
export class PipelineFailedError extends EtlError {
  static override readonly errorName = 'PipelineFailedError';
  static override readonly kinds = ['data-verdict', 'critical'] as const;

  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}
