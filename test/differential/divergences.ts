/**
 * The divergence table: inputs on which DuckDB and Spark cannot give the same result, why, and
 * what each engine does today (pinned by the differential suite). The README lists the same.
 */

/** The part of an engine's result a divergence pins. */
export interface EngineObservation {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly errorName: string | null;
  /** rowsIn, rowsOut, exactDuplicates, keyDuplicates, malformedRows */
  readonly counts: readonly number[];
  readonly rejects: number;
}

/** One input the engines disagree on. */
export interface Divergence {
  readonly reason: string;
  readonly duckdb: EngineObservation;
  readonly spark: EngineObservation;
  /** Text one of the engine's loaded rows holds (as canonical JSON), where the values differ. */
  readonly rowText?: { readonly duckdb: string; readonly spark: string };
}

const failed = (errorName: string): EngineObservation => ({ status: 'FAILED', errorName, counts: [0, 0, 0, 0, 0], rejects: 0 });
const loaded = (rowsIn: number, rowsOut: number, malformed: number): EngineObservation => ({
  status: 'SUCCEEDED',
  errorName: null,
  counts: [rowsIn, rowsOut, 0, 0, malformed],
  rejects: malformed,
});

/** By the name of the suite's case. */
export const DIVERGENCES: Readonly<Record<string, Divergence>> = {
  'corpus: binary garbage named .csv': {
    reason:
      "the header probe differs: DuckDB's (fast-csv) fails on the bytes, Spark's (Python csv) reads a header that matches no column. Both fail the run; Validate rejects such a file first.",
    duckdb: failed('TransformError'),
    spark: failed('HeaderMismatchError'),
  },
  'corpus: unterminated quote in the last row': {
    reason:
      'DuckDB sets the rest of the file aside, and the runner refuses a file whose quote nothing closes (MalformedCsvError, as Validate does); ' +
      "Spark's multiLine reader takes the rest of the file as the value, which holds no whole record to tell. Validate rejects it when it checks the whole file (≤ 16 MiB).",
    // Refused: nothing loaded, rowsOut 0 (the 19 other rows not loaded: core/run-report.ts).
    duckdb: { status: 'FAILED', errorName: 'MalformedCsvError', counts: [20, 0, 0, 0, 1], rejects: 1 },
    spark: loaded(20, 20, 0),
  },
  'a backslash-escaped quote inside quotes ("a\\"b")': {
    reason: "not RFC 4180: DuckDB's strict reader fails the whole scan, Spark (escape = '\"') keeps the text as it reads it. Validate rejects it first.",
    duckdb: failed('TransformError'),
    spark: loaded(4, 4, 0),
  },
  'text after a closing quote ("abc"x)': {
    reason: 'not RFC 4180: DuckDB\'s strict reader fails the whole scan, Spark keeps `abc"x`. Validate rejects it first.',
    duckdb: failed('TransformError'),
    spark: loaded(4, 4, 0),
  },
  'a space before an opening quote': {
    reason: 'DuckDB skips the space and reads a quoted field; Spark (as RFC 4180) reads an unquoted field holding the quotes.',
    duckdb: loaded(4, 4, 0),
    spark: loaded(4, 4, 0),
    rowText: { duckdb: '"SHIPPED","spaced"', spark: '"SHIPPED"," \\"spaced\\""' },
  },
};
