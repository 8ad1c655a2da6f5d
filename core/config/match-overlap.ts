/**
 * Whether two datasets' `match` globs can both cover one object key, decided on finite automata.
 *
 * Each glob is compiled by picomatch with the routing's own options ({@link ROUTING_GLOB_OPTIONS})
 * into the regular expression the router runs; refa turns that into an automaton, and the
 * intersection of two of them (with the keys the pipeline routes at all) is empty or yields the
 * shortest example key. Not a second reading of the glob syntax: braces, classes, ranges, extglobs
 * and case folding are picomatch's.
 *
 * refa builds no automaton for lookarounds, and picomatch emits a few fixed ones: `(?=.)` (a `*`
 * opening a segment needs a character) and the `dot: true` guards against `.` and `..` segments
 * (`(?!\.{1,2}(?:\/|$))`, `(?!(?:^|\/)\.{1,2}(?:\/|$))`, `(?!\.{0,1}(?:\/|$))`). They are removed,
 * and the intersection is taken within {@link ROUTABLE_KEY}: keys without `.`/`..`/empty segments
 * or control characters (assertSafeKey refuses those), not ending in `/` (folder markers are
 * skipped), and without U+2028/U+2029 (line separators, which `(?=.)` and `**` treat apart; no
 * export names them). Within those keys the guards are always true, so each glob's language is
 * its own — except after a `.` inside braces or parentheses (`{a.*,b}`), where picomatch puts the
 * guard mid-segment and the check may see an overlap that is not: so the example key is checked
 * with picomatch itself, and an overlap it does not confirm is reported without one. Any other lookaround (a negated extglob `!(…)`) is
 * refused: the check could not decide it.
 *
 * refa is loaded on the first pair it has to decide (about 70 ms and 1 MB of code): a one-dataset
 * config, and datasets whose literal prefixes already differ (`extract/orders/…` vs
 * `extract/customers/…`), never load it.
 */
import picomatch from 'picomatch';
import type * as Refa from 'refa';

import { ROUTING_GLOB_OPTIONS } from './dataset-routing';

/** Why a glob cannot take part in the overlap check. */
export interface UnsupportedGlob {
  readonly kind: 'unsupported';
  /** Index of the glob in the list given. */
  readonly index: number;
  /** The construct, as picomatch compiled it, e.g. `(?!(?:foo))`. */
  readonly construct: string;
}

/** Two globs that can both cover one key. */
export interface GlobOverlap {
  readonly kind: 'overlap';
  /** Index of the later glob in the list given (where the overlap is reported). */
  readonly index: number;
  /** Index of the earlier glob it overlaps. */
  readonly other: number;
  /** A routable key both globs match (one of the shortest), or `undefined` when none was confirmed. */
  readonly example: string | undefined;
}

/** One problem {@link findMatchOverlaps} reports. */
export type MatchOverlapProblem = UnsupportedGlob | GlobOverlap;

/**
 * The keys the pipeline routes, as a regular expression: `extract/` then non-empty segments, none
 * of them `.` or `..`, without control characters or line separators, not ending in `/`.
 */
export const ROUTABLE_KEY = (() => {
  const char = '[^/\\x00-\\x1f\\x7f\\u2028\\u2029]';
  const notDot = '[^./\\x00-\\x1f\\x7f\\u2028\\u2029]';
  const segment = `(?:${notDot}${char}*|\\.${notDot}${char}*|\\.\\.${char}+)`;
  return new RegExp(`^extract\\/${segment}(?:\\/${segment})*$`);
})();

/** The lookarounds picomatch emits with the routing options, each always true on a {@link ROUTABLE_KEY}. */
const ROUTABLE_KEY_GUARDS: ReadonlySet<string> = new Set(['(?=.)', '(?!\\.{1,2}(?:\\/|$))', '(?!(?:^|\\/)\\.{1,2}(?:\\/|$))', '(?!\\.{0,1}(?:\\/|$))']);

/**
 * Every pair of globs that can both cover one routable key (reported at the later glob, with an
 * example key), and every glob the check cannot decide.
 * @example findMatchOverlaps(['extract/**\/*orders*.csv', 'extract/**\/*.csv'])
 * // [{ kind: 'overlap', index: 1, other: 0, example: 'extract/orders.csv' }]
 */
export function findMatchOverlaps(globs: readonly string[]): MatchOverlapProblem[] {
  const problems: MatchOverlapProblem[] = [];
  const compiled = new Map<number, GlobAutomaton | UnsupportedGlob>();
  const automatonOf = (index: number): GlobAutomaton | UnsupportedGlob => {
    let automaton = compiled.get(index);
    if (!automaton) {
      automaton = compileGlob(globs[index], index);
      compiled.set(index, automaton);
      if (automaton.kind === 'unsupported') problems.push(automaton);
    }
    return automaton;
  };
  for (let index = 1; index < globs.length; index++) {
    for (let other = 0; other < index; other++) {
      if (literalPrefixesDiffer(globs[index], globs[other])) continue;
      const mine = automatonOf(index);
      if (mine.kind === 'unsupported') break;
      const theirs = automatonOf(other);
      if (theirs.kind === 'unsupported') continue;
      const shared = sharedKey(mine, theirs, globs[index], globs[other]);
      const literal = shared.overlaps ? undefined : literalOverlap(globs[index], globs[other]);
      if (shared.overlaps || literal !== undefined) problems.push({ kind: 'overlap', index, other, example: shared.example ?? literal });
    }
  }
  return problems.sort((a, b) => a.index - b.index);
}

/** A glob compiled to an automaton of the routable keys it matches. */
interface GlobAutomaton {
  readonly kind: 'automaton';
  readonly nfa: Refa.NFA;
}

let loadedRefa: typeof Refa | undefined;

/** refa, loaded on first use (see the module comment). */
function refa(): typeof Refa {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: most configs never need it
  loadedRefa ??= require('refa') as typeof Refa;
  return loadedRefa;
}

let routableKeys: Refa.NFA | undefined;

function compileGlob(glob: string, index: number): GlobAutomaton | UnsupportedGlob {
  try {
    return compileRoutableGlob(glob, index);
  } catch (e: unknown) {
    // A regex refa cannot read, or too large an automaton: the router runs it, the check cannot.
    return { kind: 'unsupported', index, construct: e instanceof Error ? e.message : String(e) };
  }
}

function compileRoutableGlob(glob: string, index: number): GlobAutomaton | UnsupportedGlob {
  const { JS, NFA, Transformers, transform } = refa();
  const regex = picomatch.makeRe(glob, ROUTING_GLOB_OPTIONS);
  const parsed = JS.Parser.fromLiteral(regex);
  const lookarounds: { start: number; end: number; raw: string }[] = [];
  collectLookarounds(parsed.ast.pattern, lookarounds);
  let source = regex.source;
  for (const lookaround of lookarounds.sort((a, b) => b.start - a.start)) {
    if (!ROUTABLE_KEY_GUARDS.has(lookaround.raw)) return { kind: 'unsupported', index, construct: lookaround.raw };
    source = source.slice(0, lookaround.start) + source.slice(lookaround.end);
  }
  const nfaOf = (literal: Refa.JS.Literal): Refa.NFA => {
    const { expression, maxCharacter } = JS.Parser.fromLiteral(literal).parse();
    // The key is matched whole: the anchors at the pattern's edges hold, the ones inside fall with dead branches.
    const anchored = transform(Transformers.patternEdgeAssertions({ inline: false, remove: true }), transform(Transformers.simplify(), expression));
    return NFA.fromRegex(anchored, { maxCharacter });
  };
  routableKeys ??= nfaOf({ source: ROUTABLE_KEY.source, flags: '' });
  return { kind: 'automaton', nfa: NFA.fromIntersection(nfaOf({ source, flags: regex.flags }), routableKeys) };
}

/** The lookaheads and lookbehinds of a regexpp AST, with their offsets in the pattern's source. */
function collectLookarounds(node: unknown, found: { start: number; end: number; raw: string }[]): void {
  if (typeof node !== 'object' || node === null) return;
  const element = node as { type?: string; kind?: string; start: number; end: number; raw: string };
  if (element.type === 'Assertion' && (element.kind === 'lookahead' || element.kind === 'lookbehind')) {
    found.push({ start: element.start, end: element.end, raw: element.raw });
    return;
  }
  for (const key of ['alternatives', 'elements', 'element'] as const) {
    const child = (node as Record<string, unknown>)[key];
    if (Array.isArray(child)) child.forEach((c) => collectLookarounds(c, found));
    else collectLookarounds(child, found);
  }
}

/**
 * Whether the two automata share a key, with one of the shortest, if picomatch confirms it. (A
 * breadth-first walk of the product automaton: refa's word enumeration is far slower for it.)
 */
function sharedKey(a: GlobAutomaton, b: GlobAutomaton, globA: string, globB: string): { overlaps: boolean; example?: string } {
  const product = refa().NFA.fromIntersection(a.nfa, b.nfa);
  const reachedBy = new Map<Refa.NFA.Node, { readonly from: Refa.NFA.Node; readonly chars: Refa.CharSet } | undefined>([[product.initial, undefined]]);
  const queue: Refa.NFA.Node[] = [product.initial];
  for (let next = 0; next < queue.length; next++) {
    const node = queue[next];
    if (product.finals.has(node)) {
      const chars: number[] = [];
      for (let step = reachedBy.get(node); step; step = reachedBy.get(step.from)) chars.unshift(readableChar(step.chars));
      const key = String.fromCharCode(...chars);
      const confirmed = picomatch.isMatch(key, globA, ROUTING_GLOB_OPTIONS) && picomatch.isMatch(key, globB, ROUTING_GLOB_OPTIONS);
      return { overlaps: true, example: confirmed ? key : undefined };
    }
    for (const [to, chars] of node.out) {
      if (!reachedBy.has(to)) {
        reachedBy.set(to, { from: node, chars });
        queue.push(to);
      }
    }
  }
  return { overlaps: false };
}

/** A character of the set a reader recognises: a lower-case letter, a digit, `_`, `-`, else the first printable one. */
function readableChar(set: Refa.CharSet): number {
  for (const [from, to] of [
    [0x61, 0x7a],
    [0x30, 0x39],
    [0x5f, 0x5f],
    [0x2d, 0x2d],
    [0x41, 0x5a],
  ] as const) {
    for (let c = from; c <= to; c++) if (set.has(c)) return c;
  }
  const printable = set.ranges.find((range) => range.max >= 0x20);
  return printable ? Math.max(printable.min, 0x20) : set.ranges[0].min;
}

/** The glob's literal start: the characters before the first one picomatch may read as syntax. */
function literalPrefix(glob: string): string {
  return (/^[a-zA-Z0-9_/-]*/.exec(glob)?.[0] ?? '').toLowerCase();
}

/** Two globs whose literal starts differ (case aside) match no key in common. */
function literalPrefixesDiffer(a: string, b: string): boolean {
  const [pa, pb] = [literalPrefix(a), literalPrefix(b)];
  return !pa.startsWith(pb) && !pb.startsWith(pa);
}

/**
 * picomatch takes a key equal to the glob's own text as a match, whatever the glob's pattern
 * (`extract/{a,b}.csv` matches the key `extract/{a,b}.csv`): the one key an automaton misses.
 */
function literalOverlap(a: string, b: string): string | undefined {
  for (const [text, glob] of [
    [a, b],
    [b, a],
  ]) {
    if (ROUTABLE_KEY.test(text) && picomatch.isMatch(text, glob, ROUTING_GLOB_OPTIONS)) return text;
  }
  return undefined;
}
