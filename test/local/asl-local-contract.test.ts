/**
 * The ASL stays executable by the local interpreter: JSONPath only (the interpreter silently
 * ignores JSONata and variables), every Task bounded by TimeoutSeconds and served by a local
 * handler, error names in Retry/Catch either AWS's own or our stable `…Error` classes.
 */
import { LOCAL_SUBSTITUTIONS } from '../../local/runtime/definition';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE, type State, allStates, catchersOf, parseDefinition, placeholdersOf, readAslText, retriersOf, taskStates } from '../../statemachine/definition';
import { tempRoot } from '../helpers/local-root';

const text = readAslText();
const definition = parseDefinition(text);
const JSONATA_OR_VARIABLE_FIELDS = ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'Items'];

/**
 * What would make the local interpreter diverge from AWS: JSONata or variable fields on the
 * machine or on a state (not inside Parameters, where e.g. Glue's own `Arguments` lives), and
 * JSONata `{% … %}` expressions anywhere.
 */
function forbiddenFields(machine: { readonly States: Readonly<Record<string, object>> }): string[] {
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
      States: { ...definition.States, [STATE.Validate]: { ...definition.States[STATE.Validate], Assign: { x: 1 }, Comment: '{% $states.input %}' } },
    };

    // Assess
    expect(forbiddenFields(tampered)).toEqual(['$.QueryLanguage', '$.States.Validate.Assign', '$.States.Validate.Comment (JSONata expression)']);
  });

  it('sets TimeoutSeconds on every Task', () => {
    // Prepare
    const tasks = taskStates(definition);

    // Assess
    expect(tasks.length).toBeGreaterThanOrEqual(9);
    for (const [name, state] of tasks) expect([name, typeof state.TimeoutSeconds]).toEqual([name, 'number']);
  });

  it('names errors as AWS does (States.*, Lambda.*, Glue.*, SNS.*) or as our stable …Error classes', () => {
    // Prepare
    const names = allStates(definition).flatMap(([, s]) => [...retriersOf(s), ...catchersOf(s)].flatMap((r) => r.ErrorEquals));

    // Assess
    for (const name of names) expect(name).toMatch(/^(States\.[A-Za-z]+|(Lambda|Glue|SNS)\.[A-Za-z]+|[A-Z][A-Za-z]+Error)$/);
  });

  it('has exactly the placeholders the local runtime substitutes', () => {
    // Assess
    expect([...placeholdersOf(text)].sort()).toEqual(Object.keys(LOCAL_SUBSTITUTIONS).sort());
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
      const tasks = taskStates(definition).map(([name]) => name);
      expect(Object.keys(handlers).sort()).toEqual(tasks.sort());
    });

    it('refuses a Task whose resource has no local handler (it would call real AWS)', () => {
      // Prepare
      // The private definition, reached the way TypeScript allows for a test.
      const states: Record<string, State> = pipeline['definition'].States;
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
