/// <reference lib="dom" />
/** Formatting of times, durations and sizes for the page. */

/** `12:04:31` today, `Nov 24 12:04` before. */
export function clock(iso: string): string {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    : date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

/** `0.4 s`, `12 s`, `3 min 4 s`. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `+0.12 s` from a start. */
export function offset(iso: string, start: string): string {
  return `+${duration(Math.max(0, Date.parse(iso) - Date.parse(start)))}`;
}

/** `5.6 KiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Pretty JSON, or the text itself. */
export function json(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** The last part of an object key. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
