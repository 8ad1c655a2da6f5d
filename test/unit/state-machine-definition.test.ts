/**
 * The facts declared once in core/pipeline-steps.ts agree with statemachine/etl.asl.json: the
 * state-name constants are its states, the step table's functions are its Lambda Tasks, the Glue
 * job and topic placeholders are its other ones, and the redrive resumes where ResumeAt can go.
 */
import { lambdaEntries } from '../../bench/lambda';
import { ConfigError } from '../../core/errors';
import { GLUE_JOB, LAMBDA_STEP_KEYS, LAMBDA_STEPS, TASK_STEP_KEYS } from '../../core/pipeline-steps';
import { RESUME_STATES } from '../../core/redrive';
import {
  PLACEHOLDERS,
  STATE,
  allStates,
  catchersOf,
  nextOf,
  parseDefinition,
  placeholderText,
  placeholdersOf,
  readAslText,
  substitute,
  taskStates,
} from '../../statemachine/definition';

const text = readAslText();
const definition = parseDefinition(text);
const tasks = taskStates(definition);

describe('state names', () => {
  it('STATE holds every state of the ASL, each named by its own key', () => {
    // Act
    const names = Object.keys(definition.States);

    // Assess
    expect(Object.values(STATE).sort()).toEqual(names.sort());
    for (const [key, name] of Object.entries(STATE)) expect(name).toBe(key);
  });

  it('every transition leads to a named state', () => {
    // Prepare
    const targets = allStates(definition).flatMap(([, state]) => [
      ...[nextOf(state)].filter((next) => next !== undefined),
      ...(state.Type === 'Choice' ? [...state.Choices.map((rule) => rule.Next), ...[state.Default].filter((d) => d !== undefined)] : []),
      ...catchersOf(state).map((catcher) => catcher.Next),
    ]);

    // Assess
    expect(targets.length).toBeGreaterThan(0);
    for (const target of [definition.StartAt, ...targets]) expect(Object.values(STATE)).toContain(target);
  });

  it('ResumeAt can resume at exactly the states a redrive resumes at', () => {
    // Prepare
    const resumeAt = definition.States[STATE.ResumeAt];
    expect(resumeAt.Type).toBe('Choice');
    if (resumeAt.Type !== 'Choice') return;

    // Act
    const targets = [...resumeAt.Choices.map((rule) => rule.Next), resumeAt.Default];

    // Assess
    expect(targets.sort()).toEqual([...RESUME_STATES].sort());
  });
});

describe('the step table', () => {
  it.each(TASK_STEP_KEYS.map((key) => [key, LAMBDA_STEPS[key]] as const))('%s: its placeholder is the Resource of exactly its states', (_key, step) => {
    // Act
    const invoking = tasks.filter(([, task]) => task.Resource === placeholderText(step.aslPlaceholder)).map(([name]) => name);

    // Assess
    expect(invoking.sort()).toEqual([...step.states].sort());
  });

  it('has a function for every Task whose Resource is a placeholder (a Lambda Task)', () => {
    // Prepare
    const tablePlaceholders = TASK_STEP_KEYS.map((key) => LAMBDA_STEPS[key].aslPlaceholder);

    // Act
    const lambdaPlaceholders = tasks.flatMap(([, task]) => [...placeholdersOf(task.Resource)]);

    // Assess
    expect([...new Set(lambdaPlaceholders)].sort()).toEqual([...tablePlaceholders].sort());
  });

  it('names the Glue job of the Transform state by its placeholder', () => {
    // Act
    const transform = definition.States[GLUE_JOB.state];

    // Assess
    expect(transform).toMatchObject({ Type: 'Task', Parameters: { JobName: placeholderText(GLUE_JOB.aslPlaceholder) } });
  });

  it('with the Glue job and the topics, holds every placeholder of the ASL', () => {
    // Assess
    expect([...PLACEHOLDERS].sort()).toEqual([...placeholdersOf(text)].sort());
    expect(new Set(PLACEHOLDERS).size).toBe(PLACEHOLDERS.length);
  });

  it('lists exactly the entry points of handlers/lambda/ (the modules exporting `handler`)', () => {
    // Assess
    expect(LAMBDA_STEP_KEYS.map((key) => LAMBDA_STEPS[key].entry).sort()).toEqual(lambdaEntries());
  });

  it('gives each function its own service and function name', () => {
    // Prepare
    const steps = Object.values(LAMBDA_STEPS);

    // Assess
    expect(new Set(steps.map((s) => s.service)).size).toBe(steps.length);
    expect(new Set(steps.map((s) => s.functionName)).size).toBe(steps.length);
  });
});

describe('substitute', () => {
  it('fills every placeholder, and refuses one it has no value for', () => {
    // Prepare
    const template = '{"Resource": "${A}", "Other": "${B}"}';

    // Act / Assess
    expect(substitute(template, { A: 'a', B: 'b' })).toBe('{"Resource": "a", "Other": "b"}');
    expect(() => substitute(template, { A: 'a' })).toThrow(ConfigError);
    expect(() => substitute(template, { A: 'a' })).toThrow('the state machine uses ${B}, which has no substitution');
  });
});
