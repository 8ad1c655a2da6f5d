/**
 * Fault injection: make a named Task state fail the way that step really fails, to see the
 * notification, the execution history and the redrive that follow. A fault is an option of the
 * process (`--fault Transform=fail`, or `ETL_FAULTS=Transform=fail,Archive=timeout`), so a
 * redrive run without it sees the fault "fixed".
 */
import { ConfigError } from '../../core/errors';

/**
 * How a state fails: `fail`, its real failure; `timeout`, beyond its Task's TimeoutSeconds;
 * `oom`, a Lambda Task's function killed by the Lambda runtime for running out of memory
 * (`Runtime.OutOfMemory`).
 */
export type FaultKind = 'fail' | 'timeout' | 'oom';

/** Faults by Task state name. */
export type Faults = Readonly<Record<string, FaultKind>>;

const KINDS: readonly FaultKind[] = ['fail', 'timeout', 'oom'];

/**
 * Parses `State=kind` items (comma-separated or repeated); `taskStates` are the Task states of
 * the definition, so a misspelt state is an error, not a silent no-op.
 */
export function parseFaults(specs: readonly string[], taskStates: readonly string[]): Faults {
  const faults: Record<string, FaultKind> = {};
  for (const spec of specs
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [state, kind = 'fail'] = spec.split('=');
    if (!taskStates.includes(state)) {
      throw new ConfigError(`--fault ${spec}: "${state}" is not a Task state; choose one of ${taskStates.join(', ')}`);
    }
    if (!KINDS.includes(kind as FaultKind)) throw new ConfigError(`--fault ${spec}: kind must be one of ${KINDS.join(', ')}`);
    faults[state] = kind as FaultKind;
  }
  return faults;
}
