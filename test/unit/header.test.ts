import { type DatasetConfig, getDataset, parseConfig } from '../../core/config/dataset-config';
import { matchHeader, normalizeHeader, positionalColumns } from '../../core/validation/header';

const dataset = (extra: Record<string, unknown> = {}): DatasetConfig =>
  getDataset(
    parseConfig({
      datasets: [
        {
          name: 'orders',
          match: 'extract/**',
          columns: [
            { name: 'order_id', source: 'Order ID', type: 'string' },
            { name: 'unit_price_eur', source: 'Unit Price (EUR)', type: 'decimal(10,2)' },
            { name: 'notes', type: 'string', required: false },
          ],
          ...extra,
        },
      ],
    }),
    'orders',
  );

describe('matchHeader by source (issue 20)', () => {
  it('maps each header position to the column whose source it is, exactly (case-sensitive), BOM and spaces stripped', () => {
    const header = normalizeHeader(['\uFEFF Unit Price (EUR) ', 'Order ID']);
    expect(matchHeader(header, dataset()).map((c) => c?.name)).toEqual(['unit_price_eur', 'order_id']);
    expect(() => matchHeader(['order id', 'Unit Price (EUR)'], dataset())).toThrow(
      'header does not match dataset "orders" (unknown: "order id"; missing: Order ID); expected Order ID,Unit Price (EUR),notes',
    );
  });

  it('refuses extra columns naming them; with extraColumns ignore maps them to nothing, repeated ones included', () => {
    const header = ['Order ID', 'Extra', 'Unit Price (EUR)', 'Extra'];
    expect(() => matchHeader(header, dataset())).toThrow(/unknown: "Extra", "Extra"/);
    expect(matchHeader(header, dataset({ extraColumns: 'ignore' })).map((c) => c?.name)).toEqual(['order_id', undefined, 'unit_price_eur', undefined]);
    expect(() => matchHeader(['Order ID', 'Order ID', 'Unit Price (EUR)'], dataset({ extraColumns: 'ignore' }))).toThrow(/repeated: Order ID/);
  });

  it('reads a file without a header by position, in declaration order', () => {
    expect(positionalColumns(dataset({ dialect: { header: false } })).map((c) => c.name)).toEqual(['order_id', 'unit_price_eur', 'notes']);
  });
});
