/**
 * One snapshot of the whole template, stable across machines and code changes that infra does not
 * own: asset hashes are masked, and so is the inlined ASL (pinned by asl-definition.test.ts).
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { synthPipeline } from './synth-pipeline';

/** The template with what changes on every unrelated code change replaced by stable markers. */
function normalize(template: unknown): unknown {
  const text = JSON.stringify(template)
    // Asset hashes (Lambda bundles, the Glue scripts and plans, the READMEs, layers).
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, 'ASSET-HASH$1');
  const normalized = JSON.parse(text) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  for (const resource of Object.values(normalized.Resources)) {
    if (resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties) {
      resource.Properties.DefinitionString = 'statemachine/etl.asl.json (see asl-definition.test.ts)';
    }
  }
  return normalized;
}

it('matches the snapshot (asset hashes and the ASL masked)', () => {
  // Prepare
  const { template } = synthPipeline();

  // Act
  const normalized = normalize(template.toJSON());

  // Assess
  expect(normalized).toMatchSnapshot();
});
