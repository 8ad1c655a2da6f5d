import { Readable } from 'node:stream';

import {
  type RejectToNumber,
  UNCLOSED_QUOTE_REASON,
  fieldsKey,
  hasUnclosedQuote,
  numberRejects,
  recordSplitFailure,
  valueRejectFields,
} from '../../core/rejects';
import { SWALLOWED_RECORD_REASON, swallowedRecordPattern } from '../../core/value-rules';

/** The pattern of a dataset of three columns. */
const PATTERN = swallowedRecordPattern(3);

/** A value reject waiting for its line, as a runner hands it over. */
const byFields = (fields: (string | null)[], reason = 'quantity: not a integer'): RejectToNumber => ({
  row: { line: null, reject_reason: reason, record: JSON.stringify(fields) },
  find: { fields },
  unclosedQuote: false,
});
/** A reject DuckDB found by itself, with its ordinal (`reject_errors.line`). */
const byOrdinal = (ordinal: number, unclosedQuote = false): RejectToNumber => ({
  row: { line: null, reject_reason: 'Value with unterminated quote found.', record: 'raw' },
  find: { ordinal },
  unclosedQuote,
});

const numbered = async (text: string, rejects: RejectToNumber[]) => (await numberRejects(Readable.from([text]), rejects)).map((r) => r.line);

// 1 header; 2–3 a two-line value; 4 blank; 5 bad; 6–8 a CRLF and LF value; 9, 10 the same bad
// row twice; 11 too few fields; 12; 13 bad.
const TEXT = 'id,qty,notes\n1,1,"two\nlines"\n\n2,x,\n3,1,"three\r\nlines\nhere"\n4,,\n4,,\ntoo,few\n5,1,\n6,y,';

describe('numberRejects', () => {
  it('numbers each reject found by its fields with the line its record starts on', async () => {
    // Prepare
    const rejects = [byFields(['6', 'y', '']), byFields(['4', '', '']), byFields(['2', 'x', null]), byFields(['4', '', null]), byFields(['too', 'few'])];

    // Act
    const lines = await numbered(TEXT, rejects);

    // Assess: in line order, each line once
    expect(lines).toEqual([5, 9, 10, 11, 13]);
  });

  it('numbers a reject found by its ordinal, a blank line counted as a record and a line break inside quotes not', async () => {
    // Prepare: the ordinals DuckDB gives: header 1, row 1 is 2, the blank line 3, `2,x,` 4, …, `too,few` 8
    const rejects = [byOrdinal(8), byOrdinal(4)];

    // Act
    const lines = await numbered(TEXT, rejects);

    // Assess
    expect(lines).toEqual([5, 11]);
  });

  it('finds the record where a quote opens that nothing closes, and the records before it', async () => {
    // Prepare: the reader alone would fail at the end and drop the records it holds
    const text = 'id,qty,notes\n1,x,\n2,x,"never closed\n3,1,\n';
    const unclosed = byOrdinal(3, await hasUnclosedQuote('2,x,"never closed\n3,1,\n'));

    // Act
    const lines = await numbered(text, [unclosed, byFields(['1', 'x', ''])]);

    // Assess
    expect(lines).toEqual([2, 3]);
    expect(recordSplitFailure([unclosed], PATTERN)).toEqual({ line: 3, reason: UNCLOSED_QUOTE_REASON });
  });

  it('leaves a reject without a line when no record holds its fields, and sorts it last', async () => {
    // Act
    const lines = await numbered('id,qty,notes\n1,x,\n', [byFields(['9', 'z', '']), byFields(['1', 'x', ''])]);

    // Assess
    expect(lines).toEqual([2, null]);
  });
});

describe('the fields of a reject', () => {
  it('reads a value reject in the order of the header, an absent column as missing', () => {
    expect(valueRejectFields('{"qty":"x","id":"2","notes":null}', ['id', 'qty', 'notes'])).toEqual(['2', 'x', null]);
  });

  it('matches bytes that were not UTF-8 however a reader replaced them, and empty with missing', () => {
    expect(fieldsKey(['caf\uFFFD', 'x'])).toBe(fieldsKey(['caf??', 'x']));
    expect(fieldsKey(['a', null])).toBe(fieldsKey(['a', '']));
  });

  it('tells raw text with a quote nothing closes', async () => {
    expect([await hasUnclosedQuote('1,"open\n2,3'), await hasUnclosedQuote('1,"closed\n2",3')]).toEqual([true, false]);
  });
});

describe('recordSplitFailure', () => {
  it('names the first reject holding swallowed rows, and nothing for ordinary rejects', () => {
    // Prepare
    const at = (line: number, reason: string): RejectToNumber => ({
      row: { line, reject_reason: reason, record: '{}' },
      find: { fields: [] },
      unclosedQuote: false,
    });
    const swallowed = at(7, `notes ${SWALLOWED_RECORD_REASON}`);
    const later = at(9, `notes ${SWALLOWED_RECORD_REASON}`);
    const ordinary = at(3, 'quantity: empty');

    // Act + Assess
    expect(recordSplitFailure([ordinary, later, swallowed], PATTERN)).toEqual({ line: 7, reason: `notes ${SWALLOWED_RECORD_REASON}` });
    expect(recordSplitFailure([ordinary], PATTERN)).toBeUndefined();
  });

  it('names raw text a reader set aside that holds a whole record after a line break', () => {
    // Prepare: a quote that swallowed the next record, closed by that record's own quote
    const raw: RejectToNumber = {
      row: { line: 4, reject_reason: 'Expected Number of Columns: 3 Found: 4', record: '3,1,"open\n4,1,"x"' },
      find: { ordinal: 4 },
      unclosedQuote: false,
    };

    // Act + Assess
    expect(recordSplitFailure([raw], PATTERN)).toEqual({ line: 4, reason: `the record ${SWALLOWED_RECORD_REASON}` });
  });
});
