/**
 * The date and timestamp `format` of a column: a strftime-style pattern compiled to ONE regular
 * expression with a capture group per directive, and the canonical ISO 8601 text assembled from
 * the groups (zero-padded). Validate (JavaScript), DuckDB (`regexp_extract`, RE2) and Spark
 * (`regexp_extract`, Java) run the same expression — the subset used here means the same in all
 * three — and then apply the ISO checks of `value-rules.ts` to the assembled text. No engine's own
 * date parser (strptime, Java's DateTimeFormatter) is involved: their leniency differs.
 *
 * Directives: `%Y` four-digit year, `%m` `%d` `%H` `%M` `%S` one or two digits, `%f` one to six
 * fraction digits, `%z` an offset (`Z`, `±HH:MM`, `±HHMM`), `%%` a percent sign; any other
 * character stands for itself.
 */

/** What one capture group of a compiled format holds. */
export type FormatField = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction' | 'offset';

/** One piece of the canonical text: a captured field (zero-padded to `width`) or literal text. */
export type CanonicalPart =
  { readonly kind: 'group'; readonly group: number; readonly width: number; readonly prefix: string } | { readonly kind: 'text'; readonly text: string };

/** A format compiled once: the regular expression, its groups and how to assemble ISO text. */
export interface CompiledFormat {
  readonly format: string;
  readonly kind: 'date' | 'timestamp';
  /** Anchor-free regular expression the whole value must match. */
  readonly pattern: string;
  /** The field of each capture group (group n is `groups[n - 1]`). */
  readonly groups: readonly FormatField[];
  /** The canonical text, in order: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.f][offset]`. */
  readonly canonical: readonly CanonicalPart[];
  /** The canonical text always ends in an offset (`%z`); without `%z` it never does. */
  readonly hasOffset: boolean;
}

const DIRECTIVES: Readonly<Record<string, { field: FormatField; pattern: string }>> = {
  Y: { field: 'year', pattern: '([0-9]{4})' },
  m: { field: 'month', pattern: '([0-9]{1,2})' },
  d: { field: 'day', pattern: '([0-9]{1,2})' },
  H: { field: 'hour', pattern: '([0-9]{1,2})' },
  M: { field: 'minute', pattern: '([0-9]{1,2})' },
  S: { field: 'second', pattern: '([0-9]{1,2})' },
  f: { field: 'fraction', pattern: '([0-9]{1,6})' },
  z: { field: 'offset', pattern: '(Z|[+-][0-9]{2}:?[0-9]{2})' },
};

const TIME_FIELDS: readonly FormatField[] = ['hour', 'minute', 'second', 'fraction', 'offset'];

/** Characters with a meaning in a regular expression (JS, RE2 and Java alike): escaped with `\`. */
const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/;

/** Thrown for a format that cannot be compiled; the message says why. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

const compiled = new Map<string, CompiledFormat>();

/**
 * Compiles a format for a date or timestamp column (cached). Throws {@link FormatError} for an
 * unknown directive, a directive given twice, a missing `%Y`/`%m`/`%d` (and `%H`/`%M` for a
 * timestamp), or a time directive in a date format.
 */
export function compileFormat(format: string, kind: 'date' | 'timestamp'): CompiledFormat {
  const key = `${kind}:${format}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const groups: FormatField[] = [];
  let pattern = '';
  for (let i = 0; i < format.length; i += 1) {
    const c = format[i];
    if (c !== '%') {
      pattern += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
      continue;
    }
    const directive = format[i + 1];
    i += 1;
    if (directive === '%') {
      pattern += '%';
      continue;
    }
    const known = directive === undefined ? undefined : DIRECTIVES[directive];
    if (!known) {
      throw new FormatError(
        directive === undefined
          ? `format ${JSON.stringify(format)} ends in a lone %`
          : `format ${JSON.stringify(format)}: unknown directive %${directive} (known: %Y %m %d %H %M %S %f %z %%)`,
      );
    }
    if (groups.includes(known.field)) throw new FormatError(`format ${JSON.stringify(format)} holds %${directive} twice`);
    groups.push(known.field);
    pattern += known.pattern;
  }
  const needed: FormatField[] = kind === 'date' ? ['year', 'month', 'day'] : ['year', 'month', 'day', 'hour', 'minute'];
  const lacking = needed.filter((f) => !groups.includes(f));
  if (lacking.length > 0) {
    const spell = (f: FormatField): string => `%${Object.keys(DIRECTIVES).find((k) => DIRECTIVES[k].field === f) ?? '?'}`;
    throw new FormatError(`${kind} format ${JSON.stringify(format)} lacks ${lacking.map(spell).join(' ')}`);
  }
  if (kind === 'date' && groups.some((f) => TIME_FIELDS.includes(f))) {
    throw new FormatError(`date format ${JSON.stringify(format)} holds a time directive (%H %M %S %f %z): declare the column a timestamp`);
  }
  if (groups.includes('fraction') && !groups.includes('second')) {
    throw new FormatError(`format ${JSON.stringify(format)} holds %f without %S`);
  }
  const group = (field: FormatField, width: number, prefix = ''): CanonicalPart => ({ kind: 'group', group: groups.indexOf(field) + 1, width, prefix });
  const canonical: CanonicalPart[] = [group('year', 0), { kind: 'text', text: '-' }, group('month', 2), { kind: 'text', text: '-' }, group('day', 2)];
  if (kind === 'timestamp') {
    canonical.push({ kind: 'text', text: ' ' }, group('hour', 2), { kind: 'text', text: ':' }, group('minute', 2), { kind: 'text', text: ':' });
    canonical.push(groups.includes('second') ? group('second', 2) : { kind: 'text', text: '00' });
    if (groups.includes('fraction')) canonical.push(group('fraction', 0, '.'));
    if (groups.includes('offset')) canonical.push(group('offset', 0));
  }
  const result: CompiledFormat = { format, kind, pattern, groups, canonical, hasOffset: groups.includes('offset') };
  compiled.set(key, result);
  return result;
}

/** Why the format cannot serve a column of that kind, or `undefined` when it can. */
export function formatProblem(format: string, kind: 'date' | 'timestamp'): string | undefined {
  try {
    compileFormat(format, kind);
    return undefined;
  } catch (e: unknown) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
}

/** The canonical ISO text of a value the format's expression matched (`match` of its anchored form). */
export function canonicalText(format: CompiledFormat, match: RegExpExecArray): string {
  let text = '';
  for (const part of format.canonical) {
    if (part.kind === 'text') {
      text += part.text;
    } else {
      const value = match[part.group];
      text += part.prefix + (value.length < part.width ? '0'.repeat(part.width - value.length) + value : value);
    }
  }
  return text;
}

/**
 * The canonical text as SQL: `extract(n)` is the dialect's expression of capture group n,
 * `concat` joins expressions, `literal` quotes text, `lpad(expr, width)` zero-pads.
 */
export function canonicalSql(
  format: CompiledFormat,
  sql: { extract(group: number): string; concat(parts: readonly string[]): string; literal(text: string): string; lpad(expr: string, width: number): string },
): string {
  const parts: string[] = [];
  for (const part of format.canonical) {
    if (part.kind === 'text') {
      parts.push(sql.literal(part.text));
      continue;
    }
    if (part.prefix !== '') parts.push(sql.literal(part.prefix));
    parts.push(part.width > 0 ? sql.lpad(sql.extract(part.group), part.width) : sql.extract(part.group));
  }
  return sql.concat(parts);
}
