/**
 * Powertools for AWS Lambda in every handler: a JSON logger, an X-Ray tracer and CloudWatch
 * metrics in embedded metric format. One set per function, built once per module.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

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
      obs.logger.error(`${name} failed`, e as Error);
      subsegment?.addError(e as Error);
      throw e;
    } finally {
      subsegment?.close();
      if (segment) obs.tracer.setSegment(segment);
      obs.metrics.publishStoredMetrics();
    }
  };
}
