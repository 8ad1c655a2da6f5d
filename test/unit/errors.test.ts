/**
 * The error classes: each has a stable name and a classification of its own, the lists infra
 * derives follow the classes, and every error keeps its cause.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as coreErrors from '../../core/errors';
import { EtlError, type EtlErrorClass, type ErrorKind, errorClassesIn, errorNames } from '../../core/errors';
import * as handlerErrors from '../../handlers/errors';
import { PipelineFailedError } from '../../handlers/errors';
import { notifiedFailureErrors } from '../../infra/constructs/audit-rules';
import { dataVerdictErrors } from '../../infra/constructs/pipeline-monitoring';
import * as infraErrors from '../../infra/errors';

const CORE_CLASSES = errorClassesIn(coreErrors);
const ALL_CLASSES = [...CORE_CLASSES, ...errorClassesIn(handlerErrors)];
const KINDS: readonly ErrorKind[] = ['rejected-input', 'data-verdict', 'refused-config', 'critical', 'unnotified'];

/** A class as a test could add it to core/errors.ts. */
class LateDeliveryError extends EtlError {
  static override readonly errorName = 'LateDeliveryError';
  static override readonly kinds = ['data-verdict'] as const;
}

/** Classes whose constructor is `(message, options?)`. */
const MESSAGE_FIRST = ALL_CLASSES.filter((ErrorClass) => ErrorClass !== PipelineFailedError) as unknown as (new (
  message: string,
  options?: ErrorOptions,
) => EtlError)[];

describe('every EtlError class', () => {
  it.each(ALL_CLASSES.map((ErrorClass) => [ErrorClass.errorName, ErrorClass]))('%s sets its own name and kinds', (_name, ErrorClass) => {
    // Assess
    expect(Object.hasOwn(ErrorClass, 'errorName')).toBe(true);
    expect(Object.hasOwn(ErrorClass, 'kinds')).toBe(true);
    expect(ErrorClass.errorName).toBe((ErrorClass as unknown as { name: string }).name);
    expect(ErrorClass.errorName).toMatch(/Error$/);
    expect(ErrorClass.kinds.length).toBeGreaterThan(0);
    for (const kind of ErrorClass.kinds) expect(KINDS).toContain(kind);
  });

  it.each(MESSAGE_FIRST.map((ErrorClass) => [ErrorClass.name, ErrorClass]))('%s names its instances and keeps the cause', (_name, ErrorClass) => {
    // Prepare
    const cause = new Error('socket hang up');

    // Act
    const error = new ErrorClass('m', { cause });

    // Assess
    expect(error).toBeInstanceOf(EtlError);
    expect(error.name).toBe((ErrorClass as unknown as EtlErrorClass).errorName);
    expect(error.message).toBe('m');
    expect(error.cause).toBe(cause);
  });

  it('are classified as the failure modes say', () => {
    // Act
    const byKind = Object.fromEntries(KINDS.map((kind) => [kind, errorNames(ALL_CLASSES, kind)]));

    // Assess
    expect(byKind).toEqual({
      'rejected-input': [
        'EmptyFileError',
        'EncodingError',
        'HeaderMismatchError',
        'InvalidKeyError',
        'MalformedCsvError',
        'MalformedRowsError',
        'NoDataRowsError',
        'NotARegularFileError',
        'UnknownDatasetError',
      ],
      'data-verdict': ['HeaderMismatchError', 'MalformedCsvError', 'PipelineFailedError', 'QualityThresholdError'],
      'refused-config': ['SchemaEvolutionError'],
      critical: [
        'ConfigError',
        'InvalidEventError',
        'InvalidStateMachineArnError',
        'LatestStateConflictError',
        'MissingEnvironmentVariableError',
        'ObjectNotFoundError',
        'PipelineCriticalError',
        'PipelineFailedError',
        'RunReportError',
        'TransformError',
        'TriggerStartError',
      ],
      unnotified: ['CriticalNotificationFailedError'],
    });
  });

  it('mirror the names the Glue runner raises (glue/errors.py)', () => {
    // Prepare
    const python = readFileSync(join(__dirname, '..', '..', 'glue', 'errors.py'), 'utf-8');

    // Act
    const raised = [...python.matchAll(/^class (\w+)\(EtlError\):/gm)].map((m) => m[1]);

    // Assess
    expect(raised.length).toBeGreaterThan(0);
    expect(errorNames(CORE_CLASSES)).toEqual(expect.arrayContaining(raised));
  });
});

describe('PipelineFailedError', () => {
  it('takes the name of the failure it ends the execution with', () => {
    // Act
    const error = new PipelineFailedError('QualityThresholdError', 'malformedRowRatio 12.0% > fail 10.0%');

    // Assess
    expect(error).toMatchObject({ name: 'QualityThresholdError', message: 'malformedRowRatio 12.0% > fail 10.0%' });
  });
});

describe('the run report so far', () => {
  it('is a typed field of the error a transform stops with', () => {
    // Prepare
    const report = { rowsIn: 40, malformedRows: 6, rejectsKey: 'logs/glue-jobs/orders/e-1.rejects.csv' };

    // Act
    const error = new coreErrors.QualityThresholdError('malformedRowRatio 15.0% > fail 10.0%', { report });

    // Assess
    expect(error.report).toEqual(report);
    expect(Object.keys(new coreErrors.TransformError('no report'))).not.toContain('report');
  });
});

describe('the lists infra derives', () => {
  it('filters out of the Glue failures alarm exactly the data-verdict classes of core', () => {
    // Act
    const verdicts = dataVerdictErrors();

    // Assess
    expect(verdicts).toEqual(['HeaderMismatchError', 'MalformedCsvError', 'QualityThresholdError']);
  });

  it('takes a new data-verdict class into the Glue failures filter', () => {
    // Act
    const verdicts = dataVerdictErrors([...CORE_CLASSES, LateDeliveryError]);

    // Assess
    expect(verdicts).toEqual(['HeaderMismatchError', 'LateDeliveryError', 'MalformedCsvError', 'QualityThresholdError']);
  });

  it('counts every class of core but the unnotified one, PipelineCriticalError included, and the transform Task errors as notified failures', () => {
    // Prepare
    const notifiedClasses = errorNames(CORE_CLASSES).filter((name) => name !== 'CriticalNotificationFailedError');
    const taskErrors = [
      'Glue.ConcurrentRunsExceededException',
      'Runtime.ExitError',
      'Runtime.OutOfMemory',
      'Sandbox.Timedout',
      'States.TaskFailed',
      'States.Timeout',
    ];

    // Act
    const notified = notifiedFailureErrors();

    // Assess
    expect(notified).toEqual([...new Set([...notifiedClasses, ...taskErrors])].sort());
    expect(notified).toContain('PipelineCriticalError');
    expect(notified).not.toContain('CriticalNotificationFailedError');
  });

  it('takes a new class into the notified failures', () => {
    // Act
    const notified = notifiedFailureErrors([...CORE_CLASSES, LateDeliveryError]);

    // Assess
    expect(notified).toContain('LateDeliveryError');
  });
});

describe('the errors of infra', () => {
  it('keep their cause, and SettingsError its problems', () => {
    // Prepare
    const cause = new Error('underlying');

    // Act
    const settings = new infraErrors.SettingsError(['etl:glueWorkers: expected a whole number from 2 to 10, got 1'], { cause });
    const lookup = new infraErrors.ConstructLookupError('expected one X* construct', { cause });
    const policy = new infraErrors.MissingTopicPolicyError('no policy', { cause });

    // Assess
    expect(settings).toMatchObject({ name: 'SettingsError', problems: ['etl:glueWorkers: expected a whole number from 2 to 10, got 1'], cause });
    expect(settings.message).toContain('  etl:glueWorkers: expected a whole number');
    expect(lookup).toMatchObject({ name: 'ConstructLookupError', cause });
    expect(policy).toMatchObject({ name: 'MissingTopicPolicyError', cause });
  });
});
