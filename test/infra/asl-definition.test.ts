/**
 * The deployed state machine definition: the ASL file itself, valid, inlined, with exactly its
 * placeholders substituted, and Lambda timeouts that fire before the Tasks' own.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import type { Template } from 'aws-cdk-lib/assertions';
import validator from 'asl-validator';

import { FUNCTION_SPECS } from '../../infra/constructs/pipeline-functions';
import {
  PLACEHOLDERS,
  assertSubstitutionsMatch,
  parseDefinition,
  placeholderText,
  placeholdersOf,
  readAslText,
  substitute,
  taskStates,
} from '../../statemachine/definition';
import { resourcesOf, synthPipeline } from './synth-pipeline';

/** Realistic values for every placeholder, so that the ARN checks of the validator apply. */
function exampleValue(placeholder: string): string {
  const name = placeholder.replace(/(FunctionArn|TopicArn)$/, '').replace(/[A-Z]/g, (c, i: number) => `${i ? '-' : ''}${c.toLowerCase()}`);
  if (placeholder.endsWith('FunctionArn')) return `arn:aws:lambda:eu-west-1:123456789012:function:etl-${name}`;
  if (placeholder.endsWith('TopicArn')) return `arn:aws:sns:eu-west-1:123456789012:etl-${name}`;
  return `etl-${name}`;
}

let template: Template;
let substitutionKeys: string[];
let definitionString: string;
const asl = readAslText();
const tasks = taskStates(parseDefinition(asl));

beforeAll(() => {
  ({ template } = synthPipeline({ bundle: false }));
  const [machine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
  substitutionKeys = Object.keys(machine.Properties?.DefinitionSubstitutions as object);
  definitionString = machine.Properties?.DefinitionString as string;
});

describe('the ASL file', () => {
  // asl-validator rejects a `${…}` Resource outright, so it checks the definition as deployed.
  it('passes asl-validator, ARN and path checks included, once every placeholder holds a real value', () => {
    // Prepare
    const substituted = substitute(asl, Object.fromEntries(PLACEHOLDERS.map((name) => [name, exampleValue(name)])));

    // Act
    const result = validator(JSON.parse(substituted), { checkArn: true, checkPaths: true });

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('stays JSONPath: no QueryLanguage, no Assign', () => {
    expect(asl).not.toMatch(/"QueryLanguage"|"Assign"/);
  });
});

describe('the deployed definition', () => {
  it('is the ASL file, inlined unchanged', () => {
    expect(definitionString).toBe(asl);
  });

  it('substitutes exactly the placeholders the ASL uses', () => {
    expect(substitutionKeys.sort()).toEqual([...placeholdersOf(asl)].sort());
  });

  it('refuses at synth a definition whose placeholders and substitutions differ, naming both', () => {
    // Prepare
    const text = '{"Resource": "${A}", "Other": "${B}"}';

    // Act / Assess
    expect(() => assertSubstitutionsMatch(text, { A: 'x', C: 'y' })).toThrow('not substituted: B; not in the ASL: C');
    expect(() => assertSubstitutionsMatch(text, { A: 'x', B: 'y' })).not.toThrow();
  });

  it.each(Object.values(FUNCTION_SPECS).filter((s) => s.aslPlaceholder))('lets $functionName time out before its Task does', (spec) => {
    // Prepare
    const invoking = tasks.filter(([, s]) => s.Resource === placeholderText(spec.aslPlaceholder as string));

    // Act
    const taskTimeouts = invoking.map(([, s]) => s.TimeoutSeconds ?? Number.POSITIVE_INFINITY);

    // Assess
    expect(invoking.length).toBeGreaterThan(0);
    for (const timeout of taskTimeouts) expect(spec.timeoutSeconds).toBeLessThan(timeout);
  });

  it('runs the Glue job with a timeout below the Transform Task timeout', () => {
    // Prepare
    const [job] = Object.values(resourcesOf(template, 'AWS::Glue::Job'));
    const glueTasks = tasks.filter(([, s]) => s.Resource.includes(':glue:startJobRun'));

    // Act / Assess
    expect(glueTasks.length).toBeGreaterThan(0);
    for (const [, task] of glueTasks) expect((job.Properties?.Timeout as number) * 60).toBeLessThan(task.TimeoutSeconds as number);
  });
});
