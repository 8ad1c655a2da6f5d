import {
  type LineShift,
  type MultiLineRecord,
  REJECT_REASONS,
  type SplitCandidate,
  UNCLOSED_QUOTE_REASON,
  type UnsplitLine,
  type UnsplitRecord,
  emptyLines,
  firstRecord,
  hasUnclosedQuote,
  numberLines,
  recordSplitFailure,
} from '../../core/rejects';
import { SWALLOWED_RECORD_REASON, swallowedRecordPattern } from '../../core/value-rules';

/** The pattern of a dataset of three columns. */
const PATTERN = swallowedRecordPattern(3);

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The empty lines of a text, its bytes cut into chunks of `size`. */
const emptyOf = (text: string, size = 1 << 20): Promise<number[]> => {
  const bytes = Buffer.from(text);
  const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  return all(emptyLines(from(chunks)));
};

/**
 * The line of each record read at `indexes`, as the DuckDB engine counts it in SQL: the first
 * record's line + index + the line breaks of the records read before it + the shifts up to it.
 */
function linesOf(indexes: readonly number[], first: number, multiLine: readonly MultiLineRecord[], events: readonly (LineShift | UnsplitLine)[]): number[] {
  return indexes.map(
    (i) =>
      first +
      i +
      multiLine.filter((m) => m.index < i).reduce((n, m) => n + m.lineBreaks, 0) +
      events.reduce((n, e) => n + (e.kind === 'shift' && e.index <= i ? e.lines : 0), 0),
  );
}

// 1 header; 2–3 a two-line value; 4 blank; 5 bad; 6–8 a CRLF and LF value; 9, 10 the same bad
// row twice; 11 too few fields; 12; 13 bad. The reader reads 7 records (index 0–6) and sets one
// aside (ordinal 8: the header 1, a blank line counted).
const TEXT = 'id,qty,notes\n1,1,"two\nlines"\n\n2,x,\n3,1,"three\r\nlines\nhere"\n4,,\n4,,\ntoo,few\n5,1,\n6,y,';
const MULTI_LINE: MultiLineRecord[] = [
  { index: 0, lineBreaks: 1 },
  { index: 2, lineBreaks: 2 },
];
const START = { skipLines: 0, headerLineBreaks: 0 };

describe('numberLines', () => {
  it('numbers the records read and those set aside, blank lines and line breaks inside quotes counted', async () => {
    // Prepare
    const empty = await emptyOf(TEXT);

    // Act
    const events = await all(numberLines(START, from(MULTI_LINE), from<UnsplitRecord>([{ ordinal: 8, lineBreaks: 0 }]), from(empty), 6));

    // Assess: the value rejects (index 1, 3, 4, 6) and the record set aside, each on the line it starts on
    expect(empty).toEqual([4]);
    expect(linesOf([1, 3, 4, 6], firstRecord(START).line, MULTI_LINE, events)).toEqual([5, 9, 10, 13]);
    expect(events.filter((e) => e.kind === 'unsplit')).toEqual([{ kind: 'unsplit', ordinal: 8, line: 11 }]);
  });

  it('tells an empty line inside a quoted value from a blank line', async () => {
    // Prepare: 1 header; 2–4 a value with an empty line inside; 5 blank; 6 bad
    const text = 'id,qty,notes\n1,1,"a\n\nb"\n\n2,x,\n';
    const multiLine = [{ index: 0, lineBreaks: 2 }];

    // Act
    const events = await all(numberLines(START, from(multiLine), from<UnsplitRecord>([]), from(await emptyOf(text)), 1));

    // Assess
    expect(linesOf([1], firstRecord(START).line, multiLine, events)).toEqual([6]);
    expect(events).toEqual([{ kind: 'shift', index: 1, lines: 1 }]);
  });

  it('counts the lines above the header and a header on two lines', async () => {
    // Prepare: 2 title lines (skipRows), a header whose quoted name spans lines 3–4, then 5 bad
    const start = { skipLines: 2, headerLineBreaks: 1 };

    // Act
    const first = firstRecord(start);

    // Assess
    expect(first).toEqual({ line: 5, ordinal: 4 });
  });

  it('numbers a file without a header from line 1, its blank lines first', async () => {
    // Prepare: 1 blank; 2 good; 3 bad
    const start = { skipLines: 0, headerLineBreaks: undefined };
    const empty = await emptyOf('\n1,a,1\nx,b,2\n');

    // Act
    const events = await all(numberLines(start, from<MultiLineRecord>([]), from<UnsplitRecord>([]), from(empty), 1));

    // Assess
    expect(linesOf([1], firstRecord(start).line, [], events)).toEqual([3]);
  });

  it('places a record set aside that spans lines, and those after it', async () => {
    // Prepare: 1 header; 2 good; 3–4 a record of too many fields spanning two lines; 5 bad
    const unsplit = [{ ordinal: 3, lineBreaks: 1 }];

    // Act
    const events = await all(numberLines(START, from<MultiLineRecord>([]), from(unsplit), from<number>([]), 1));

    // Assess
    expect(events).toEqual([
      { kind: 'unsplit', ordinal: 3, line: 3 },
      { kind: 'shift', index: 1, lines: 2 },
    ]);
    expect(linesOf([1], firstRecord(START).line, [], events)).toEqual([5]);
  });

  it('stops reading once nothing asked for can move, and closes what it did not read', async () => {
    // Prepare: a stream of empty lines that must not be read to its end
    let closed = false;
    async function* manyEmpty(): AsyncGenerator<number> {
      try {
        for (let line = 3; ; line += 2) yield line;
      } finally {
        closed = true;
      }
    }

    // Act: the last record asked for is index 2
    const events = await all(numberLines(START, from<MultiLineRecord>([]), from<UnsplitRecord>([]), manyEmpty(), 2));

    // Assess
    expect(events.every((e) => e.kind === 'shift' && e.index <= 3)).toBe(true);
    expect(closed).toBe(true);
  });
});

describe('emptyLines', () => {
  it('finds empty lines after LF, CRLF and CR, and at the start', async () => {
    expect(await emptyOf('\na\n\nb\r\n\r\nc\r\rd\n')).toEqual([1, 3, 5, 7]);
  });

  it('finds them across chunk boundaries, a CRLF cut in two included', async () => {
    // Prepare
    const text = 'ab\r\n\r\ncd\n\nef\r\n';

    // Act
    const bySize = await Promise.all([1, 2, 3, 5].map((size) => emptyOf(text, size)));

    // Assess
    expect(bySize).toEqual([
      [2, 4],
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
  });
});

describe('reject reasons', () => {
  it('are worded once, with the article and the plural right', () => {
    expect(REJECT_REASONS.notOfType('quantity', 'integer')).toBe('quantity: not an integer');
    expect(REJECT_REASONS.notOfType('unit_price', 'decimal(12,2)')).toBe('unit_price: not a decimal(12,2)');
    expect(REJECT_REASONS.fieldCount(10, 11)).toBe('record: 10 fields, expected 11');
    expect(REJECT_REASONS.fieldCount(1, 3)).toBe('record: 1 field, expected 3');
  });

  it('tells raw text with a quote nothing closes', () => {
    expect([hasUnclosedQuote('1,"open\n2,3'), hasUnclosedQuote('1,"closed\n2",3')]).toEqual([true, false]);
  });
});

describe('recordSplitFailure', () => {
  const at = (line: number, reason: string, record = '{}', unclosedQuote = false): SplitCandidate => ({ line, reason, record, unclosedQuote });

  it('names the first reject holding swallowed rows, and nothing for ordinary rejects', () => {
    // Prepare
    const swallowed = at(7, `notes ${SWALLOWED_RECORD_REASON}`);
    const later = at(9, `notes ${SWALLOWED_RECORD_REASON}`);
    const ordinary = at(3, 'quantity: empty');

    // Act + Assess
    expect(recordSplitFailure([ordinary, later, swallowed], PATTERN)).toEqual({ line: 7, reason: `notes ${SWALLOWED_RECORD_REASON}` });
    expect(recordSplitFailure([ordinary], PATTERN)).toBeUndefined();
  });

  it('names raw text a reader set aside that holds a whole record after a line break, and a quote nothing closes', () => {
    // Prepare: a quote that swallowed the next record, closed by that record's own quote
    const raw = at(4, REJECT_REASONS.fieldCount(4, 3), '3,1,"open\n4,1,"x"');
    const unclosed = at(6, UNCLOSED_QUOTE_REASON, '2,x,"never closed\n3,1,\n', true);

    // Act + Assess
    expect(recordSplitFailure([raw], PATTERN)).toEqual({ line: 4, reason: `the record ${SWALLOWED_RECORD_REASON}` });
    expect(recordSplitFailure([unclosed], PATTERN)).toEqual({ line: 6, reason: UNCLOSED_QUOTE_REASON });
  });
});
