/** How the benchmark report writes its figures: number formats, markdown tables, text bar charts. */

/** Seconds with two decimals ('–' for no figure). */
export const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
/** Milliseconds, two decimals under 10 ms ('–' for no figure). */
export const msText = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(ms < 10 ? 2 : 0) : '–');
/** Megabytes (10^6 bytes), one decimal. */
export const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
/** Kibibytes with their unit. */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
/** Mebibytes with their unit. */
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
/** A duration in seconds from one second on, in milliseconds below. */
export const dur = (ms: number): string => (ms >= 1000 ? `${s(ms)} s` : `${Math.round(ms)} ms`);
/** A ratio, e.g. `1.07×` ('–' for no figure). */
export const x = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–');
/** The rows of a generated file by its size name. */
export const rowsLabel = (size: string): string => ({ '1mb': '5.3k', '10mb': '53k', '100k': '100k', '100mb': '530k', '1m': '1M', '5m': '5M' })[size] ?? size;
/** A generated file: its rows and its size. */
export const fileLabel = (size: string, bytes: number): string => `${rowsLabel(size)} rows, ${mb(bytes)} MB`;

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A text bar chart, bars scaled to the largest value (a value that is no figure gets no bar). */
export function bars(items: readonly { label: string; value: number; text: string }[], width = 48): string {
  const max = Math.max(...items.map((i) => i.value).filter(Number.isFinite), 1e-9);
  const labelWidth = Math.max(...items.map((i) => i.label.length));
  return items
    .map((i) => `${i.label.padEnd(labelWidth)} │${'█'.repeat(Number.isFinite(i.value) ? Math.max(1, Math.round((i.value / max) * width)) : 0)} ${i.text}`)
    .join('\n');
}
