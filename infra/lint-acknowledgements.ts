/**
 * Every cfn-lint and checkov finding the template keeps, acknowledged on the resource it concerns,
 * each with the reason it is acceptable (as `infra/nag-acknowledgements.ts` does for cdk-nag). They
 * are written into the resources' `Metadata`, where both tools read them (`cfn-lint.config.
 * ignore_checks`, `checkov.skip`); `test/infra/template-lint.test.ts` runs both tools on the
 * synthesized template and fails on any other finding, and on an acknowledgement no finding needs.
 */
import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

import { FUNCTION_SPECS, type FunctionKey } from './constructs/pipeline-functions';
import type { EtlPipelineStack } from './etl-pipeline-stack';
import { singleton } from './nag-acknowledgements';

/** The linter a finding comes from. */
export type LintTool = 'cfn-lint' | 'checkov';

/** One acknowledgement: which resource, which tool and rule, and why. */
export interface LintAcknowledgement {
  readonly resource: CfnResource;
  readonly tool: LintTool;
  readonly rule: string;
  readonly reason: string;
}

/** The acknowledgements of the stack, for {@link acknowledgeLintFindings} and the tests. */
export function lintAcknowledgements(stack: EtlPipelineStack): LintAcknowledgement[] {
  const acks: LintAcknowledgement[] = [];
  const add = (scope: IConstruct, tool: LintTool, rule: string, reason: string): void => {
    acks.push({ resource: scope.node.defaultChild as CfnResource, tool, rule, reason });
  };
  // CDK renders a function's DependsOn as [its role's default policy, its role]; the role half is
  // implied by the Role GetAtt, and harmless.
  const redundantRoleDependency = (scope: IConstruct, what: string): void =>
    add(
      scope,
      'cfn-lint',
      'W3005',
      `${what}: aws-cdk-lib adds DependsOn on the role it already references with GetAtt (and on the role's default policy, which is needed); the duplicate changes no deployment order.`,
    );

  // The pipeline's functions (the state machine's steps and the trigger).
  for (const [key, spec] of Object.entries(FUNCTION_SPECS) as [FunctionKey, (typeof FUNCTION_SPECS)[FunctionKey]][]) {
    const fn = stack.functions.byKey[key];
    const name = spec.functionName;
    redundantRoleDependency(fn, name);
    add(
      fn,
      'checkov',
      'CKV_AWS_117',
      `${name} calls only AWS APIs (S3, Step Functions), over TLS, and reaches nothing inside a VPC: a VPC would add NAT gateway or endpoint costs and cold-start latency, and isolate nothing.`,
    );
    add(
      fn,
      'checkov',
      'CKV_AWS_115',
      `${name} is bounded upstream (one invocation per S3 event or state machine step; ${
        spec.bundlesDuckDb ? 'only files up to their dataset threshold reach it, one invocation each' : "Glue's concurrent-run limit paces the pipeline"
      }); reserving concurrency would take it from the account's unreserved pool (as low as 10 in new accounts) and can fail the deploy.`,
    );
    add(
      fn,
      'checkov',
      'CKV_AWS_173',
      `${name}'s environment variables hold no secret (Powertools settings, the state machine ARN); Lambda encrypts them at rest with its AWS-managed key.`,
    );
    if (key !== 'trigger') {
      add(
        fn,
        'checkov',
        'CKV_AWS_116',
        `${name} is invoked synchronously by the state machine, whose Retry and Catch handle its errors; a dead-letter queue applies only to asynchronous invocations (the trigger, invoked by S3, has one).`,
      );
    }
  }
  redundantRoleDependency(stack.machine.stateMachine, 'etl-pipeline state machine');

  // aws-cdk-lib's own handlers, run by CloudFormation during a deployment.
  const handlers: [IConstruct, string][] = [
    [singleton(stack, 'Custom::CDKBucketDeployment'), 'CDK BucketDeployment handler (copies the Glue scripts, plans and layout READMEs at deploy time)'],
    [singleton(stack, 'BucketNotificationsHandler'), 'CDK BucketNotificationsHandler (writes the extract/*.csv → trigger notification at deploy time)'],
  ];
  for (const [handler, what] of handlers) {
    redundantRoleDependency(handler, what);
    add(
      handler,
      'checkov',
      'CKV_AWS_116',
      `${what}: invoked synchronously by CloudFormation as a custom resource, which reports its failure in the deployment; a dead-letter queue would never receive anything.`,
    );
    add(
      handler,
      'checkov',
      'CKV_AWS_117',
      `${what}: reaches only S3 and CloudFormation's response URL, and aws-cdk-lib configures it; a VPC would need endpoints for both.`,
    );
    add(
      handler,
      'checkov',
      'CKV_AWS_115',
      `${what}: runs once per deployment; reserved concurrency would only take capacity from the account's unreserved pool.`,
    );
  }
  add(
    singleton(stack, 'Custom::CDKBucketDeployment'),
    'checkov',
    'CKV_AWS_173',
    'CDK BucketDeployment handler: its only environment variable is the CA bundle path aws-cdk-lib sets, not a secret; Lambda encrypts it at rest with its AWS-managed key.',
  );

  // The server access log bucket.
  const accessLogs = stack.data.accessLogsBucket;
  add(
    accessLogs,
    'checkov',
    'CKV_AWS_18',
    "The access-log bucket is the destination of the data bucket's server access logs; logging its own accesses into itself would log every log delivery, endlessly.",
  );
  add(
    accessLogs,
    'checkov',
    'CKV_AWS_21',
    'The access-log bucket holds server access logs that S3 writes once and that expire after etl:logsExpirationDays; versioning would only keep copies of expired logs (the data bucket is versioned).',
  );
  return acks;
}

/** Writes every acknowledgement into its resource's metadata, one entry per tool. */
export function acknowledgeLintFindings(stack: EtlPipelineStack): void {
  const byResource = new Map<CfnResource, LintAcknowledgement[]>();
  for (const ack of lintAcknowledgements(stack)) byResource.set(ack.resource, [...(byResource.get(ack.resource) ?? []), ack]);
  for (const [resource, acks] of byResource) {
    const of = (tool: LintTool): LintAcknowledgement[] => acks.filter((a) => a.tool === tool);
    if (of('checkov').length > 0) resource.addMetadata('checkov', { skip: of('checkov').map((a) => ({ id: a.rule, comment: a.reason })) });
    // cfn-lint has no field for a reason: it stays here.
    if (of('cfn-lint').length > 0) resource.addMetadata('cfn-lint', { config: { ignore_checks: of('cfn-lint').map((a) => a.rule) } });
  }
}
