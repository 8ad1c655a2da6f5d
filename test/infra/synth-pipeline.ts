/**
 * Builds the pipeline stack as `infra/app.ts` does, with the context of `cdk.json` (feature flags
 * and settings) plus the test's overrides. Each test file synthesizes once, in `beforeAll`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { addPipelineStack, type EtlPipelineStack } from '../../infra/etl-pipeline-stack';
import { acknowledgeLintFindings } from '../../infra/lint-acknowledgements';
import { acknowledgeNagFindings } from '../../infra/nag-acknowledgements';

/** The project root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** The context of `cdk.json`. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf-8')) as { context: Record<string, unknown> }).context;
}

/** A built (not yet synthesized) pipeline. */
export interface BuiltPipeline {
  readonly app: App;
  readonly stack: EtlPipelineStack;
}

/** Options of {@link buildPipeline}. */
export interface BuildOptions {
  /** Context values over those of `cdk.json`. */
  readonly context?: Record<string, unknown>;
  /** Record the cdk-nag, cfn-lint and checkov acknowledgements, as the app does. @default true */
  readonly acknowledge?: boolean;
  /** Bundle the Lambda code with esbuild; tests of IAM, nag and ASL do not need it. @default true */
  readonly bundle?: boolean;
}

/** Builds the stack in a fresh App. */
export function buildPipeline(options: BuildOptions = {}): BuiltPipeline {
  const bundling = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {};
  const app = new App({ context: { ...cdkJsonContext(), ...bundling, ...options.context } });
  const stack = addPipelineStack(app);
  if (options.acknowledge ?? true) {
    acknowledgeNagFindings(stack);
    acknowledgeLintFindings(stack);
  }
  return { app, stack };
}

/** Builds the stack and returns its template. */
export function synthPipeline(options: BuildOptions = {}): BuiltPipeline & { readonly template: Template } {
  const built = buildPipeline(options);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** A template resource. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

/** The resources of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResourceJson> {
  return template.findResources(type) as Record<string, CfnResourceJson>;
}
