/**
 * The state machine definition as infra deploys it: `statemachine/etl.asl.json`, inlined into the
 * template (so CloudFormation and the template tests see it) with its `${…}` placeholders filled by
 * `DefinitionSubstitutions`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The ASL file, the single source of truth shared with the local runtime. */
export const ASL_FILE = path.resolve(__dirname, '..', 'statemachine', 'etl.asl.json');

/** The ASL text, unsubstituted. */
export function readAsl(file = ASL_FILE): string {
  return readFileSync(file, 'utf-8');
}

/** The `${Name}` placeholders an ASL text uses. */
export function aslPlaceholders(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
}

/**
 * Checks that the substitutions fill exactly the ASL's placeholders: a missing one would deploy a
 * definition CloudFormation rejects, an extra one means the stack and the ASL drifted apart.
 * @throws Error naming both differences.
 */
export function assertSubstitutionsMatch(text: string, substitutions: Readonly<Record<string, unknown>>): void {
  const used = aslPlaceholders(text);
  const given = new Set(Object.keys(substitutions));
  const missing = [...used].filter((p) => !given.has(p)).sort();
  const extra = [...given].filter((p) => !used.has(p)).sort();
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `statemachine/etl.asl.json and the stack's definitionSubstitutions differ: ` +
        `${missing.length ? `not substituted: ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}` +
        `${extra.length ? `not in the ASL: ${extra.join(', ')}` : ''}`,
    );
  }
}
