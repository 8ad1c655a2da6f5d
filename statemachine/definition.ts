/**
 * `etl.asl.json` as a typed module: where it is, its model (the states this ASL uses, with their
 * Retry and Catch), its placeholders and their substitution, and its states walked as a tree.
 * Infra inlines the text it reads here, the local runtime runs the definition it loads here.
 *
 * Who may import it: infra/, local/, bench/ and test/. It imports only core/ and node. core/ and
 * handlers/ take the state names from `core/pipeline-steps.ts` instead (re-exported here): they
 * run in the Lambda bundles, which do not ship the ASL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ConfigError } from '../core/errors';
import { GLUE_JOB, LAMBDA_STEPS, TASK_STEP_KEYS, TOPIC_PLACEHOLDERS } from '../core/pipeline-steps';

export { STATE, type StateName } from '../core/pipeline-steps';

/** The ASL file: the single source of truth of the flow, deployed and run locally as is. */
export const ASL_PATH = path.resolve(__dirname, 'etl.asl.json');

// The model. Arrays are not `readonly` so that a definition is what aws-local-stepfunctions'
// StateMachine takes, as is (the local runtime passes it without a cast).

/** A JSON value, as in `Parameters` and `Result`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** One rule of a `Retry`. */
export interface Retrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'NONE' | 'FULL';
}

/** One rule of a `Catch`. */
export interface Catcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string;
}

/** A Choice condition: a data test (`Variable` and one operator) or a combination of conditions. */
export interface ChoiceCondition {
  readonly Variable?: string;
  readonly And?: ChoiceCondition[];
  readonly Or?: ChoiceCondition[];
  readonly Not?: ChoiceCondition;
  readonly BooleanEquals?: boolean;
  readonly StringEquals?: string;
  readonly StringMatches?: string;
  readonly NumericEquals?: number;
  readonly NumericLessThan?: number;
  readonly NumericGreaterThan?: number;
  readonly NumericLessThanEquals?: number;
  readonly NumericGreaterThanEquals?: number;
  readonly NumericLessThanEqualsPath?: string;
  readonly TimestampEquals?: string;
  readonly IsPresent?: boolean;
  readonly IsNull?: boolean;
}

/** A rule of a Choice state: a condition and the state it leads to. */
export interface ChoiceRule extends ChoiceCondition {
  readonly Next: string;
}

/** A state that is not a Choice, Succeed or Fail goes on to `Next` or ends the machine. */
type Transition = { readonly Next: string; readonly End?: never } | { readonly End: true; readonly Next?: never };

interface StateFields {
  readonly Comment?: string;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

/** The fields of the states that can fail and be retried or caught. */
interface Recoverable {
  readonly Retry?: Retrier[];
  readonly Catch?: Catcher[];
}

/** A Task: a Lambda function (`${…FunctionArn}`) or a service integration (`arn:aws:states:::…`). */
export type TaskState = StateFields &
  Recoverable &
  Transition & {
    readonly Type: 'Task';
    readonly Resource: string;
    readonly Parameters?: JsonObject;
    readonly ResultSelector?: JsonObject;
    readonly ResultPath?: string | null;
    readonly TimeoutSeconds?: number;
  };

/** A Pass state: its `Parameters` (or `Result`) written at `ResultPath`. */
export type PassState = StateFields &
  Transition & {
    readonly Type: 'Pass';
    readonly Parameters?: JsonObject;
    readonly Result?: JsonValue;
    readonly ResultPath?: string | null;
  };

/** A Choice state. */
export interface ChoiceState extends StateFields {
  readonly Type: 'Choice';
  readonly Choices: ChoiceRule[];
  readonly Default?: string;
}

/** A Fail state: the execution fails with this error. */
export interface FailState extends StateFields {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

/** A Succeed state. */
export interface SucceedState extends StateFields {
  readonly Type: 'Succeed';
}

/** A Parallel state: its branches run side by side. */
export type ParallelState = StateFields &
  Recoverable &
  Transition & {
    readonly Type: 'Parallel';
    readonly Branches: StateMachineBranch[];
    readonly Parameters?: JsonObject;
    readonly ResultSelector?: JsonObject;
    readonly ResultPath?: string | null;
  };

/** A Map state: its item processor runs once per item. */
export type MapState = StateFields &
  Recoverable &
  Transition & {
    readonly Type: 'Map';
    readonly ItemProcessor?: StateMachineBranch;
    /** The name of `ItemProcessor` before 2022. */
    readonly Iterator?: StateMachineBranch;
    readonly ItemsPath?: string;
    readonly ItemSelector?: JsonObject;
    readonly MaxConcurrency?: number;
    readonly ResultSelector?: JsonObject;
    readonly ResultPath?: string | null;
  };

/** A state of the definition. */
export type State = TaskState | PassState | ChoiceState | FailState | SucceedState | ParallelState | MapState;

/** States and where they start: the machine itself, a Parallel branch or a Map's item processor. */
export interface StateMachineBranch {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: { readonly [name: string]: State };
}

/** The whole definition. */
export interface StateMachineDefinition extends StateMachineBranch {
  readonly TimeoutSeconds?: number;
  readonly Version?: string;
}

/** Every placeholder of the ASL, from the step table: the Lambda functions', the Glue job's, the topics'. */
export const PLACEHOLDERS: readonly string[] = [
  ...TASK_STEP_KEYS.map((key) => LAMBDA_STEPS[key].aslPlaceholder),
  GLUE_JOB.aslPlaceholder,
  ...Object.values(TOPIC_PLACEHOLDERS),
];

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** How the ASL writes a placeholder, e.g. a Lambda Task's `Resource`: `${Name}`. */
export function placeholderText(name: string): string {
  return `\${${name}}`;
}

/** The ASL text, unsubstituted (what infra inlines into the template). */
export function readAslText(file = ASL_PATH): string {
  return readFileSync(file, 'utf-8');
}

/** The `${Name}` placeholders an ASL text uses. */
export function placeholdersOf(text: string): Set<string> {
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]));
}

/**
 * Replaces every placeholder, as CloudFormation's `DefinitionSubstitutions` do.
 * @throws ConfigError for a placeholder `values` has no value for.
 */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new ConfigError(`the state machine uses \${${name}}, which has no substitution`);
    return value;
  });
}

/**
 * Checks that the substitutions fill exactly the placeholders of `text`: a missing one would
 * deploy a definition CloudFormation rejects, an extra one means the stack and the ASL drifted apart.
 * @throws ConfigError naming both differences.
 */
export function assertSubstitutionsMatch(text: string, substitutions: Readonly<Record<string, unknown>>): void {
  const used = placeholdersOf(text);
  const given = new Set(Object.keys(substitutions));
  const missing = [...used].filter((p) => !given.has(p)).sort();
  const extra = [...given].filter((p) => !used.has(p)).sort();
  if (missing.length === 0 && extra.length === 0) return;
  const differences = [
    ...(missing.length > 0 ? [`not substituted: ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`not in the ASL: ${extra.join(', ')}`] : []),
  ];
  throw new ConfigError(`statemachine/etl.asl.json and the stack's definitionSubstitutions differ: ${differences.join('; ')}`);
}

/**
 * Parses an ASL text into the model, unchecked: asl-validator checks the file
 * (`test/infra/asl-definition.test.ts`), and aws-local-stepfunctions again when it loads it.
 */
export function parseDefinition(text: string): StateMachineDefinition {
  return JSON.parse(text) as StateMachineDefinition;
}

/** The definition with its placeholders substituted. */
export function loadDefinition(values: Readonly<Record<string, string>>, file = ASL_PATH): StateMachineDefinition {
  return parseDefinition(substitute(readAslText(file), values));
}

/** Every state, those inside Parallel branches and Map item processors included, by name. */
export function allStates(branch: StateMachineBranch): [string, State][] {
  return Object.entries(branch.States).flatMap(([name, state]): [string, State][] => [[name, state], ...nestedBranches(state).flatMap(allStates)]);
}

/** Every Task state, nested ones included. */
export function taskStates(branch: StateMachineBranch): [string, TaskState][] {
  return allStates(branch).filter((entry): entry is [string, TaskState] => entry[1].Type === 'Task');
}

/** The state a state goes on to, if it names one in `Next`. */
export function nextOf(state: State): string | undefined {
  return 'Next' in state ? state.Next : undefined;
}

/** A state's `Retry` rules (none for the states that cannot have any). */
export function retriersOf(state: State): readonly Retrier[] {
  return 'Retry' in state ? (state.Retry ?? []) : [];
}

/** A state's `Catch` rules (none for the states that cannot have any). */
export function catchersOf(state: State): readonly Catcher[] {
  return 'Catch' in state ? (state.Catch ?? []) : [];
}

/**
 * Where a state's `Catch` sends the error `name`, as Step Functions matches it: the first rule
 * naming it, `States.ALL`, or `States.TaskFailed` (every error but `States.Timeout`); none when
 * no rule matches (the execution fails with it).
 */
export function catchRoute(state: State, name: string): string | undefined {
  return catchersOf(state).find((catcher) =>
    catcher.ErrorEquals.some((error) => error === name || error === 'States.ALL' || (error === 'States.TaskFailed' && name !== 'States.Timeout')),
  )?.Next;
}

/** Whether a state is a Task invoking a Lambda function (a `${…}` placeholder, or a Lambda ARN once substituted). */
export function isLambdaTask(state: State): state is TaskState {
  return state.Type === 'Task' && (state.Resource.startsWith('${') || state.Resource.startsWith('arn:aws:lambda:'));
}

function nestedBranches(state: State): StateMachineBranch[] {
  if (state.Type === 'Parallel') return state.Branches;
  if (state.Type === 'Map') return [state.ItemProcessor, state.Iterator].filter((branch) => branch !== undefined);
  return [];
}
