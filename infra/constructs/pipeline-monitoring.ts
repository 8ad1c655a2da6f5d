/**
 * Alarms (all to `etl-critical-alerts`), the cost budget and the pipeline's dashboard.
 *
 * Data failures (a rejected file, a quality threshold) already end in one `etl-job-failure`
 * notification, so the alarms are tuned not to announce them a second time: Glue failures count
 * only runs that did not fail on a data verdict, and failed executions alarm on a burst.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IDependable } from 'constructs';

import * as errors from '../../core/errors';
import type { PhysicalNames } from '../physical-names';
import { DEFAULT_MEMORY_MB, FUNCTION_SPECS, type FunctionKey } from './pipeline-functions';

/**
 * The names of the errors with which a Glue job run fails on a verdict on the data (already
 * notified on etl-job-failure): the `data-verdict` classes of core/errors.ts, sorted.
 */
export function dataVerdictErrors(classes: readonly errors.EtlErrorClass[] = errors.errorClassesIn(errors)): string[] {
  return errors.errorNames(classes, 'data-verdict');
}

/**
 * The `state` values of a "Glue Job State Change" event for a run that did not succeed: Glue
 * emits SUCCEEDED, FAILED, TIMEOUT and STOPPED (a run stopped by the Transform Task's timeout or an
 * aborted execution), never ERROR.
 */
const GLUE_UNSUCCESSFUL_STATES = ['FAILED', 'TIMEOUT', 'STOPPED'] as const;

/** Properties of {@link PipelineMonitoring}. */
export interface PipelineMonitoringProps {
  readonly names: PhysicalNames;
  readonly criticalTopic: ITopic;
  /** The critical topic's policy statement for AWS Budgets: it must exist before the budget (Budgets checks it). */
  readonly budgetsMayAlert: IDependable;
  /** Namespace of the functions' custom metrics. */
  readonly metricsNamespace: string;
  readonly stateMachine: IStateMachine;
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  /** Each function's log group: the fast path's error names and memory use are read from its JSON logs. */
  readonly functionLogGroups: Readonly<Record<FunctionKey, logs.ILogGroup>>;
  /** The audit log group receiving the Glue job's state changes. */
  readonly glueAuditLogGroup: logs.ILogGroup;
  readonly glueJobName: string;
  /** Dead-letter queues whose messages are lost events. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Dataset names (the `dataset` dimension of the handlers' metrics). */
  readonly datasets: readonly string[];
  readonly lambdaDurationAlarmPercent: number;
  readonly failedExecutionsAlarmPerHour: number;
  readonly rowsAnomalyStdDevs: number;
  readonly monthlyBudgetUsd: number;
}

/** The alarms, budget and dashboard. */
export class PipelineMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const { names } = props;
    const alertAction = new actions.SnsAction(props.criticalTopic);
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
        alarmName: alarmProps.alarmName && names.of(alarmProps.alarmName),
      });
      created.addAlarmAction(alertAction);
      this.alarms.push(created);
      return created;
    };
    const atLeastOnce = { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD };

    // Glue runs, counted from the audit trail of "Glue Job State Change" events.
    const glueMetric = (metricName: string, pattern: logs.IFilterPattern): cloudwatch.Metric =>
      new logs.MetricFilter(this, `${metricName}Filter`, {
        logGroup: props.glueAuditLogGroup,
        metricNamespace: props.metricsNamespace,
        metricName,
        filterPattern: pattern,
        metricValue: '1',
      }).metric({ statistic: 'Sum', period: Duration.minutes(5) });
    const failedState = logs.FilterPattern.any(...GLUE_UNSUCCESSFUL_STATES.map((state) => logs.FilterPattern.stringValue('$.detail.state', '=', state)));
    const glueSucceeded = glueMetric('GlueJobRunsSucceeded', logs.FilterPattern.stringValue('$.detail.state', '=', 'SUCCEEDED'));
    const glueFailed = glueMetric('GlueJobRunsFailed', failedState);
    const verdicts = dataVerdictErrors();
    const glueFailedUnexpectedly = glueMetric(
      'GlueJobRunsFailedUnexpectedly',
      logs.FilterPattern.all(failedState, logs.FilterPattern.regexValue('$.detail.message', '!=', verdicts.join('|'))),
    );
    alarm('GlueJobFailures', {
      alarmName: 'etl-glue-job-failures',
      alarmDescription: `A run of Glue job ${props.glueJobName} ended ${GLUE_UNSUCCESSFUL_STATES.join(', ')} for a reason other than a data verdict (${verdicts.join(', ')}).`,
      metric: glueFailedUnexpectedly,
      ...atLeastOnce,
    });

    // State machine.
    const sm = props.stateMachine;
    const five = { period: Duration.minutes(5), statistic: 'Sum' };
    alarm('ExecutionsFailed', {
      alarmName: 'etl-executions-failed',
      alarmDescription: `${props.failedExecutionsAlarmPerHour} or more executions failed within an hour (rejected inputs included: a burst means something systemic).`,
      metric: sm.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: props.failedExecutionsAlarmPerHour,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('ExecutionsTimedOut', {
      alarmName: 'etl-executions-timed-out',
      alarmDescription: 'An execution timed out.',
      metric: sm.metricTimedOut(five),
      ...atLeastOnce,
    });
    alarm('ExecutionsThrottled', {
      alarmName: 'etl-executions-throttled',
      alarmDescription: 'Step Functions throttled the state machine.',
      metric: sm.metricThrottled(five),
      ...atLeastOnce,
    });
    alarm('ExecutionsAborted', {
      alarmName: 'etl-executions-aborted',
      alarmDescription: 'An execution was aborted (stopped by hand or by a deployment).',
      metric: sm.metricAborted(five),
      ...atLeastOnce,
    });

    // Lambda functions.
    for (const [key, fn] of Object.entries(props.functions) as [FunctionKey, IFunction][]) {
      const spec = FUNCTION_SPECS[key];
      const name = key.charAt(0).toUpperCase() + key.slice(1);
      if (spec.failsOnDataVerdicts) {
        // As for the Glue job: a run that failed on a verdict on the data is already notified on
        // etl-job-failure. The runtime logs each invocation error as JSON with its errorType.
        const verdictFailures = new logs.MetricFilter(this, `${name}DataVerdictsFilter`, {
          logGroup: props.functionLogGroups[key],
          metricNamespace: props.metricsNamespace,
          metricName: `${name}DataVerdicts`,
          filterPattern: logs.FilterPattern.all(
            logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
            logs.FilterPattern.any(...verdicts.map((error) => logs.FilterPattern.stringValue('$.errorType', '=', error))),
          ),
          metricValue: '1',
        }).metric({ statistic: 'Sum', period: Duration.minutes(5) });
        alarm(`${name}Errors`, {
          alarmName: `${spec.functionName}-errors`,
          alarmDescription: `${spec.functionName} raised an error other than a data verdict (${verdicts.join(', ')}): a bug, an outage, or out of memory.`,
          metric: new cloudwatch.MathExpression({
            expression: 'FILL(errors, 0) - FILL(verdicts, 0)',
            usingMetrics: { errors: fn.metricErrors(five), verdicts: verdictFailures },
            period: Duration.minutes(5),
            label: `${spec.functionName} errors other than data verdicts`,
          }),
          ...atLeastOnce,
        });
      } else if (!spec.errorsByDesign) {
        alarm(`${name}Errors`, {
          alarmName: `${spec.functionName}-errors`,
          alarmDescription: `${spec.functionName} raised an error (bad input is not an error: this is a bug or an outage).`,
          metric: fn.metricErrors(five),
          ...atLeastOnce,
        });
      }
      alarm(`${name}Throttles`, {
        alarmName: `${spec.functionName}-throttles`,
        alarmDescription: `${spec.functionName} was throttled.`,
        metric: fn.metricThrottles(five),
        ...atLeastOnce,
      });
      const limitMs = (spec.timeoutSeconds * 1000 * props.lambdaDurationAlarmPercent) / 100;
      alarm(`${name}Duration`, {
        alarmName: `${spec.functionName}-duration`,
        alarmDescription: `${spec.functionName} ran longer than ${props.lambdaDurationAlarmPercent}% of its ${spec.timeoutSeconds}s timeout.`,
        metric: fn.metricDuration({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: limitMs,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(`${name}DeadLetters`, {
        alarmName: `etl-${name.replace(/[A-Z]/g, (c, i: number) => `${i > 0 ? '-' : ''}${c.toLowerCase()}`)}-dead-letters`,
        alarmDescription: `Events are waiting in the ${name} dead-letter queue: they were not delivered.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        ...atLeastOnce,
      });
    }

    // Unexpected data volume: a model of each dataset's hourly rows ingested.
    const summarizeMetric = (metricName: string, dataset: string, period = Duration.hours(1)): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        // Powertools adds the service dimension to every metric; both dimensions identify it.
        dimensionsMap: { service: FUNCTION_SPECS.summarize.service, dataset },
        statistic: 'Sum',
        period,
        label: `${metricName} ${dataset}`,
      });
    for (const dataset of props.datasets) {
      const anomaly = new cloudwatch.AnomalyDetectionAlarm(this, `RowsIngestedAnomaly${dataset}`, {
        alarmName: names.of(`etl-rows-ingested-anomaly-${dataset}`),
        alarmDescription: `Rows ingested per hour for dataset ${dataset} left the expected band (${props.rowsAnomalyStdDevs} standard deviations).`,
        metric: summarizeMetric('RowsIngested', dataset),
        stdDevs: props.rowsAnomalyStdDevs,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      anomaly.addAlarmAction(alertAction);
      this.alarms.push(anomaly);
    }

    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: names.global('etl-pipeline-monthly-cost', Stack.of(this).region),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: [
        { threshold: 80, notificationType: 'ACTUAL' },
        { threshold: 100, notificationType: 'FORECASTED' },
      ].map((n) => ({
        notification: { ...n, comparisonOperator: 'GREATER_THAN', thresholdType: 'PERCENTAGE' },
        subscribers: [{ subscriptionType: 'SNS', address: props.criticalTopic.topicArn }],
      })),
    });
    this.budget.node.addDependency(props.budgetsMayAlert);

    this.dashboard = this.buildDashboard(props, { glueSucceeded, glueFailed }, summarizeMetric);
  }

  private buildDashboard(
    props: PipelineMonitoringProps,
    glue: { glueSucceeded: cloudwatch.Metric; glueFailed: cloudwatch.Metric },
    summarizeMetric: (metricName: string, dataset: string, period?: Duration) => cloudwatch.Metric,
  ): cloudwatch.Dashboard {
    const sm = props.stateMachine;
    const hourly = { period: Duration.hours(1), statistic: 'Sum' };
    const perDataset = (metricName: string): cloudwatch.Metric[] => props.datasets.map((d) => summarizeMetric(metricName, d));
    const rejects = [...props.datasets, 'unmatched'].map(
      (dataset) =>
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: 'FilesRejected',
          dimensionsMap: { service: FUNCTION_SPECS.reject.service, dataset },
          ...hourly,
          label: `FilesRejected ${dataset}`,
        }),
    );
    const fns = Object.entries(props.functions) as [FunctionKey, IFunction][];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.names.global('etl-pipeline', Stack.of(this).region),
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Executions',
        width: 12,
        left: [sm.metricStarted(hourly), sm.metricSucceeded(hourly), sm.metricFailed(hourly), sm.metricTimedOut(hourly), sm.metricAborted(hourly)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Glue job runs',
        width: 12,
        left: [glue.glueSucceeded.with(hourly), glue.glueFailed.with(hourly)],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda duration (max)',
        width: 12,
        left: fns.map(([key, fn]) => fn.metricDuration({ period: Duration.minutes(5), statistic: 'Maximum', label: FUNCTION_SPECS[key].functionName })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors and throttles',
        width: 12,
        left: fns.map(([key, fn]) => fn.metricErrors({ ...hourly, label: `${FUNCTION_SPECS[key].functionName} errors` })),
        right: fns.map(([key, fn]) => fn.metricThrottles({ ...hourly, label: `${FUNCTION_SPECS[key].functionName} throttles` })),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Rows in / out', width: 8, left: perDataset('RowsIngested'), right: perDataset('RowsWritten') }),
      new cloudwatch.GraphWidget({ title: 'Duplicates removed', width: 8, left: perDataset('DuplicatesRemoved') }),
      new cloudwatch.GraphWidget({ title: 'Rejects: files and malformed rows', width: 8, left: rejects, right: perDataset('MalformedRows') }),
    );
    for (const [key, fn] of fns.filter(([k]) => FUNCTION_SPECS[k].bundlesDuckDb)) dashboard.addWidgets(...this.fastPathWidgets(props, key, fn, glue, hourly));
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: this.alarms }));
    return dashboard;
  }

  /**
   * A row for a function that transforms in Lambda (the fast path): how many files it took beside
   * the Glue runs, its duration against its timeout, its memory use against its size (from the
   * `platform.report` records of its JSON logs), the numbers its sizing is set from.
   */
  private fastPathWidgets(
    props: PipelineMonitoringProps,
    key: FunctionKey,
    fn: IFunction,
    glue: { glueSucceeded: cloudwatch.Metric; glueFailed: cloudwatch.Metric },
    hourly: { period: Duration; statistic: string },
  ): cloudwatch.IWidget[] {
    const spec = FUNCTION_SPECS[key];
    const name = key.charAt(0).toUpperCase() + key.slice(1);
    const report = (metricName: string, field: string): cloudwatch.Metric =>
      new logs.MetricFilter(this, `${name}${metricName}Filter`, {
        logGroup: props.functionLogGroups[key],
        metricNamespace: props.metricsNamespace,
        metricName: `${name}${metricName}`,
        filterPattern: logs.FilterPattern.stringValue('$.type', '=', 'platform.report'),
        metricValue: `$.record.metrics.${field}`,
      }).metric({ period: Duration.minutes(5), statistic: 'Maximum', label: `${spec.functionName} ${field} (max)` });
    const five = (statistic: string) => fn.metricDuration({ period: Duration.minutes(5), statistic, label: `${spec.functionName} duration ${statistic}` });
    return [
      new cloudwatch.GraphWidget({
        title: `Transforms: ${spec.functionName} (fast path) and Glue`,
        width: 8,
        left: [fn.metricInvocations({ ...hourly, label: `${spec.functionName} invocations` }), glue.glueSucceeded.with(hourly), glue.glueFailed.with(hourly)],
      }),
      new cloudwatch.GraphWidget({
        title: `${spec.functionName} duration`,
        width: 8,
        left: [five('p50'), five('p99'), five('Maximum'), report('InitDuration', 'initDurationMs')],
        leftAnnotations: [{ value: spec.timeoutSeconds * 1000, label: `timeout ${spec.timeoutSeconds}s` }],
      }),
      new cloudwatch.GraphWidget({
        title: `${spec.functionName} memory used`,
        width: 8,
        left: [report('MaxMemoryUsed', 'maxMemoryUsedMB')],
        leftAnnotations: [{ value: spec.memoryMb ?? DEFAULT_MEMORY_MB, label: `memory ${spec.memoryMb ?? DEFAULT_MEMORY_MB} MB` }],
      }),
    ];
  }
}
