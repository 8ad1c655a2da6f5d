/**
 * The ASL stays executable by the local interpreter: JSONPath only (the interpreter silently
 * ignores JSONata and variables), every Task bounded by TimeoutSeconds and served by a local
 * handler, error names in Retry/Catch either AWS's own or our stable `…Error` classes.
 */
import { readFileSync } from 'node:fs';

import { ConfigError } from '../../core/errors';
import { ASL_PATH, LOCAL_SUBSTITUTIONS, placeholdersOf, substitute } from '../../local/runtime/definition';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { tempRoot } from '../helpers/local-root';

type State = Record<string, unknown> & { Type: string; Resource?: string };

const text = readFileSync(ASL_PATH, 'utf-8');
const definition = JSON.parse(text) as { States: Record<string, State>; QueryLanguage?: string };
const JSONATA_OR_VARIABLE_FIELDS = ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'Items'];

/**
 * What would make the local interpreter diverge from AWS: JSONata or variable fields on the
 * machine or on a state (not inside Parameters, where e.g. Glue's own `Arguments` lives), and
 * JSONata `{% … %}` expressions anywhere.
 */
function forbiddenFields(machine: { States: Record<string, State>; QueryLanguage?: string }): string[] {
  const found: string[] = [];
  if ('QueryLanguage' in machine) found.push('$.QueryLanguage');
  for (const [name, state] of Object.entries(machine.States)) {
    for (const field of JSONATA_OR_VARIABLE_FIELDS) if (field in state) found.push(`$.States.${name}.${field}`);
  }
  const scan = (node: unknown, where: string): void => {
    if (typeof node === 'string' && /^\{%[\s\S]*%\}$/.test(node)) found.push(`${where} (JSONata expression)`);
    else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) scan(v, `${where}.${k}`);
  };
  scan(machine.States, '$.States');
  return found;
}

describe('statemachine/etl.asl.json', () => {
  it('uses JSONPath only: no QueryLanguage, Assign, Arguments, Output or JSONata expressions', () => {
    // Assess
    expect(forbiddenFields(definition)).toEqual([]);
  });

  it('the JSONata/variables check itself finds them', () => {
    // Prepare
    const tampered = {
      ...definition,
      QueryLanguage: 'JSONata',
      States: { ...definition.States, Validate: { ...definition.States.Validate, Assign: { x: 1 }, Comment: '{% $states.input %}' } },
    };

    // Assess
    expect(forbiddenFields(tampered)).toEqual(['$.QueryLanguage', '$.States.Validate.Assign', '$.States.Validate.Comment (JSONata expression)']);
  });

  it('sets TimeoutSeconds on every Task', () => {
    // Prepare
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

    // Assess
    expect(tasks.length).toBeGreaterThanOrEqual(9);
    for (const [name, state] of tasks) expect([name, typeof state.TimeoutSeconds]).toEqual([name, 'number']);
  });

  it('names errors as AWS does (States.*, Lambda.*, Glue.*, SNS.*) or as our stable …Error classes', () => {
    // Prepare
    const names = Object.values(definition.States).flatMap((s) =>
      [...((s.Retry as { ErrorEquals: string[] }[]) ?? []), ...((s.Catch as { ErrorEquals: string[] }[]) ?? [])].flatMap((r) => r.ErrorEquals),
    );

    // Assess
    for (const name of names) expect(name).toMatch(/^(States\.[A-Za-z]+|(Lambda|Glue|SNS)\.[A-Za-z]+|[A-Z][A-Za-z]+Error)$/);
  });

  it('has exactly the placeholders the local runtime substitutes, and an unknown one is an error', () => {
    // Assess
    expect([...placeholdersOf(text)].sort()).toEqual(Object.keys(LOCAL_SUBSTITUTIONS).sort());
    expect(() => substitute('{"Resource": "${Nope}"}', LOCAL_SUBSTITUTIONS)).toThrow(ConfigError);
  });

  describe('local handlers', () => {
    let pipeline: LocalPipeline;
    beforeAll(() => {
      pipeline = new LocalPipeline({ root: tempRoot() });
    });
    afterAll(() => pipeline.close());

    it('serves every Task state in-process', () => {
      // Act
      const handlers = pipeline.taskHandlers('test');

      // Assess
      const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task').map(([name]) => name);
      expect(Object.keys(handlers).sort()).toEqual(tasks.sort());
    });

    it('refuses a Task whose resource has no local handler (it would call real AWS)', () => {
      // Prepare
      const states = (pipeline as unknown as { definition: { States: Record<string, State> } }).definition.States;
      states.Extra = { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true };

      // Act / Assess
      try {
        expect(() => pipeline.taskHandlers('test')).toThrow(/Task state Extra uses arn:aws:states:::dynamodb:putItem, which has no local handler/);
      } finally {
        delete states.Extra;
      }
    });
  });
});
