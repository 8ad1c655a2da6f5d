/**
 * Powertools for AWS Lambda in every handler: a JSON logger, an X-Ray tracer and CloudWatch
 * metrics in embedded metric format. One set per function, built once per module.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

import type { OutcomeSummary } from '../core/outcome';
import { METRICS_NAMESPACE } from '../core/pipeline-steps';

/** Logger, tracer and metrics of one function. */
export interface Observability {
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
}

/**
 * Builds the Powertools utilities of a function; `serviceName` names it in logs and metrics.
 * `diagnostics` receives Metrics' own warnings (default: stdout, as on Lambda).
 */
export function createObservability(serviceName: string, diagnostics?: Console): Observability {
  return {
    logger: new Logger({ serviceName }),
    tracer: new Tracer({ serviceName }),
    metrics: new Metrics({
      serviceName,
      // On AWS the stack sets the stage's namespace; locally and in tests it is the plain one.
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
      ...(diagnostics ? { logger: diagnostics } : {}),
    }),
  };
}

export { MetricUnit };

/** The part of the Lambda context the handlers use (absent when called in-process locally). */
export interface InvocationContext {
  readonly awsRequestId?: string;
  readonly functionName?: string;
}

/**
 * Wraps a handler body: request context on every log line, a trace subsegment, cold-start and
 * custom metrics flushed after each invocation, and the error logged before it propagates.
 */
export function instrument<E, R>(obs: Observability, name: string, body: (event: E) => Promise<R>): (event: E, context?: InvocationContext) => Promise<R> {
  return async (event, context) => {
    if (context?.awsRequestId) obs.logger.appendKeys({ requestId: context.awsRequestId });
    obs.metrics.captureColdStartMetric();
    const segment = obs.tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) obs.tracer.setSegment(subsegment);
    try {
      return await body(event);
    } catch (e: unknown) {
      const error = loggableError(e);
      obs.logger.error(`${name} failed`, { error });
      // The trace keeps what the log keeps: X-Ray records an error's message, which may quote data.
      subsegment?.addError(error.name);
      throw e;
    } finally {
      subsegment?.close();
      if (segment) obs.tracer.setSegment(segment);
      obs.metrics.publishStoredMetrics();
    }
  };
}

/**
 * What a log line says of an error: {@link loggableError}. Logs hold no row values: an error's
 * message may quote the data (the record a parser stopped at, a value that is not a number), so
 * it is left out; the notification and the run report carry it, in the user's inbox and bucket.
 */
export interface LoggedError {
  /** The error's stable name (`MalformedCsvError`, `NoSuchKey`, …). */
  readonly name: string;
  /** The names of its causes, outermost first. */
  readonly causes?: readonly string[];
  /** Where it was thrown: the stack's frames, without the message the stack starts with. */
  readonly frames?: readonly string[];
  /**
   * An AWS service error's own message, HTTP status and request id: the service wrote them (they
   * name resources and reasons, never a file's values) and they are what an operator needs.
   */
  readonly aws?: { readonly message: string; readonly httpStatusCode?: number; readonly requestId?: string };
}

/** How deep a chain of causes is followed. */
const MAX_CAUSES = 5;

/**
 * An error as the logs may hold it: its name, its causes' names and its stack frames, never its
 * message (an AWS service error's message excepted, see {@link LoggedError}).
 * @example logger.error('validate failed', { error: loggableError(e) })
 */
export function loggableError(error: unknown): LoggedError {
  if (!(error instanceof Error)) return { name: typeof error === 'string' ? 'Error' : typeof error };
  const causes: string[] = [];
  for (let cause = error.cause; cause !== undefined && causes.length < MAX_CAUSES; cause = cause instanceof Error ? cause.cause : undefined) {
    causes.push(cause instanceof Error ? cause.name : typeof cause);
  }
  const frames = stackFrames(error);
  const aws = awsServiceError(error);
  return { name: error.name, ...(causes.length > 0 ? { causes } : {}), ...(frames.length > 0 ? { frames } : {}), ...(aws ? { aws } : {}) };
}

/**
 * The frames of an error's stack. V8 writes `<name>: <message>` first, and a message may span
 * lines: the frames are read after the message, so that no line of it is taken for one.
 */
function stackFrames(error: Error): string[] {
  const stack = error.stack ?? '';
  const at = error.message === '' ? stack.indexOf('\n') : stack.indexOf(error.message);
  if (at < 0) return [];
  const rest = stack.slice(error.message === '' ? at : at + error.message.length);
  return rest
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
}

/** The AWS SDK's service exceptions carry `$metadata` (and `$fault`); nothing else does. */
function awsServiceError(error: Error): LoggedError['aws'] {
  const { $metadata: metadata } = error as { $metadata?: { httpStatusCode?: number; requestId?: string } };
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  return {
    message: error.message,
    ...(metadata.httpStatusCode === undefined ? {} : { httpStatusCode: metadata.httpStatusCode }),
    ...(metadata.requestId === undefined ? {} : { requestId: metadata.requestId }),
  };
}

/**
 * An outcome's summary as the logs may hold it: the counts, keys, stage and warnings (the quality
 * findings, ratios and counts only), and of its error the name alone (see {@link loggableError}).
 */
export function loggableSummary(summary: OutcomeSummary): Omit<OutcomeSummary, 'error'> & { readonly error: { readonly name: string } | null } {
  return { ...summary, error: summary.error ? { name: summary.error.name } : null };
}
