/**
 * Errors of the local runtime. Each sets a stable `name`: the ones standing in for an AWS
 * service's carry the name that service reports (the ASL's `Retry`/`Catch` match them verbatim),
 * the others name themselves. Each takes `ErrorOptions`, so a wrapped cause survives.
 */

/** Raised by a Lambda or SNS Task state told to `fail` (`--fault State=fail`). */
export class FaultInjectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FaultInjectedError';
  }
}

/** What Step Functions reports when a Task exceeds its TimeoutSeconds (`--fault State=timeout`). */
export class InjectedTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'States.Timeout';
  }
}

/** Glue's answer when the job already runs `MaxConcurrentRuns` times. */
export class ConcurrentRunsExceededError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Glue.ConcurrentRunsExceededException';
  }
}

/**
 * Lambda's answer to an invocation beyond the function's concurrency (its reserved concurrency,
 * or the account's unreserved pool): the throttle, which the ASL's Retry waits out.
 */
export class TooManyRequestsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Lambda.TooManyRequestsException';
  }
}

/**
 * A Lambda function the Lambda runtime killed (`--fault State=oom`: out of memory): the Task's
 * error is the runtime's type, and its message the `{errorType, errorMessage}` document Step
 * Functions puts in the `Cause` on AWS.
 */
export class LambdaRuntimeKilledError extends Error {
  constructor(errorType: string, errorMessage: string, options?: ErrorOptions) {
    super(JSON.stringify({ errorType, errorMessage }), options);
    this.name = errorType;
  }
}

/** A failed job run: the `.sync` integration fails the task with `States.TaskFailed`; the message is the job run as JSON. */
export class JobRunFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'States.TaskFailed';
  }
}

/** RedriveExecution refused: unknown execution, or one that is running or succeeded. */
export class ExecutionNotRedrivableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExecutionNotRedrivableError';
  }
}

/** No execution of that name in the local history. */
export class ExecutionNotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExecutionNotFoundError';
  }
}

/** A Task state of the definition whose resource the local runtime has no handler for. */
export class NoLocalHandlerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NoLocalHandlerError';
  }
}

/** The Spark engine was asked for, but the Python environment it runs in does not exist. */
export class PythonEnvironmentMissingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PythonEnvironmentMissingError';
  }
}

/** The local Spark engine's worker process exited; its job runs fail with this message. */
export class SparkWorkerExitedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SparkWorkerExitedError';
  }
}
