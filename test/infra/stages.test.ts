/**
 * Several stages in one account and region: `etl:stage` prefixes every physical name, so that two
 * stages share none (names, metric namespaces, the stack itself); the default stage keeps the
 * workflow document's names (pinned by pipeline-stack.test.ts), and account-global names carry the
 * region.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import type { Template } from 'aws-cdk-lib/assertions';

import { type BuiltPipeline, synthPipeline } from './synth-pipeline';

/** A template value as text: literals kept, pseudo parameters as `${AWS::Region}`; `undefined` when it refers to a resource. */
function literal(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) {
    const parts = join[1].map((part) => {
      const ref = (part as { Ref?: string }).Ref;
      return typeof part === 'string' ? part : ref?.startsWith('AWS::') ? `\${${ref}}` : undefined;
    });
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/**
 * `…Name` properties that name no resource: a topic's label, a metric (its namespace identifies
 * it), an inline policy (scoped to its role).
 */
const NOT_PHYSICAL = new Set(['DisplayName', 'MetricName', 'AWS::IAM::Policy PolicyName']);

/** Every physical name the template sets, as `<resource type> <name>`. */
function physicalNames(template: Template): string[] {
  const names: string[] = [];
  for (const resource of Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
    // A budget's and a Glue database's names are one level down.
    const nested = ['Budget', 'DatabaseInput'].map((key) => resource.Properties?.[key] as object | undefined);
    const properties = Object.assign({}, resource.Properties, ...nested) as Record<string, unknown>;
    for (const [key, value] of Object.entries(properties)) {
      const physical = key.endsWith('Name') && !NOT_PHYSICAL.has(key) && !NOT_PHYSICAL.has(`${resource.Type} ${key}`);
      const name = physical ? literal(value) : undefined;
      if (name !== undefined) names.push(`${resource.Type} ${name}`);
    }
  }
  return names;
}

/** The custom CloudWatch namespaces the template writes to or reads from. */
function metricNamespaces(template: Template): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key = ''): void => {
    if (Array.isArray(value)) value.forEach((v) => visit(v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
    else if (typeof value === 'string' && /^(Namespace|MetricNamespace|POWERTOOLS_METRICS_NAMESPACE)$/.test(key) && !value.startsWith('AWS/')) found.add(value);
  };
  visit(template.toJSON().Resources);
  return [...found];
}

let dev: BuiltPipeline & { template: Template };
let prod: BuiltPipeline & { template: Template };

beforeAll(() => {
  dev = synthPipeline({ bundle: false, context: { 'etl:stage': 'dev' } });
  prod = synthPipeline({ bundle: false, context: { 'etl:stage': 'prod' } });
});

describe('two stages in one account and region', () => {
  it('are two stacks', () => {
    expect([dev.stack.stackName, prod.stack.stackName]).toEqual(['dev-EtlPipeline', 'prod-EtlPipeline']);
  });

  it('have no physical name in common', () => {
    // Act
    const devNames = physicalNames(dev.template);
    const prodNames = new Set(physicalNames(prod.template));

    // Assess: topics, functions, log groups, state machine, Glue job and security configuration,
    // rules, alarms, log resource policy, budget, dashboard, Glue database, Athena workgroup
    expect(devNames.length).toBeGreaterThan(40);
    expect(devNames.filter((n) => prodNames.has(n))).toEqual([]);
    // Glue Data Catalog names take underscores (dev_etl_pipeline).
    for (const name of devNames) expect(name).toMatch(/ (\/[\w/]+\/)?dev[-_]/);
    expect(devNames).toContain('AWS::Glue::Database dev_etl_pipeline');
  });

  it('write their metrics to namespaces of their own (alarms of one stage never see the other)', () => {
    expect(metricNamespaces(dev.template)).toEqual(['dev-EtlPipeline']);
    expect(metricNamespaces(prod.template)).toEqual(['prod-EtlPipeline']);
  });

  it('name account-global resources (budget, dashboard) after the region too', () => {
    // Act
    const global = physicalNames(dev.template).filter((n) => /^AWS::(Budgets::Budget|CloudWatch::Dashboard) /.test(n));

    // Assess
    expect(global.sort()).toEqual([
      'AWS::Budgets::Budget dev-etl-pipeline-monthly-cost-${AWS::Region}',
      'AWS::CloudWatch::Dashboard dev-etl-pipeline-${AWS::Region}',
    ]);
  });
});
