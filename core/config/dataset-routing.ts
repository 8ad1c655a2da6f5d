/**
 * Which dataset an object key belongs to. Kept apart from the zod config schema so the trigger
 * Lambda, which only routes keys, does not load the schema library at cold start.
 */
import picomatch from 'picomatch';

/** What routing needs of a dataset. */
export interface DatasetRoute {
  readonly name: string;
  /** Glob over object keys, e.g. `extract/**\/*orders*.csv`. */
  readonly match: string;
  /** How other bytes under a loaded key load (see the dataset schema). @default 'append' */
  readonly reuploads?: 'append' | 'replace';
  /** Files up to this size take the fast path (core/fast-path.ts); 0 turns it off. @default DEFAULT_FAST_PATH_MAX_BYTES */
  readonly fastPathMaxBytes?: number;
}

/**
 * How a `match` glob is read: it ignores case, so `Orders.CSV` is taken like `orders.csv` (the
 * bucket notifies both suffixes), and its `*` and `**` cover names starting with a dot. The
 * config's overlap check (match-overlap.ts) compiles the globs with the same options.
 */
export const ROUTING_GLOB_OPTIONS: Readonly<picomatch.PicomatchOptions> = Object.freeze({ dot: true, nocase: true });

/**
 * The dataset whose `match` glob covers the key, or `undefined`. A valid config's globs are
 * disjoint (dataset-config.ts refuses overlapping ones), so at most one dataset matches.
 */
export function routeKey<D extends DatasetRoute>(datasets: readonly D[], key: string): D | undefined {
  return datasets.find((dataset) => picomatch.isMatch(key, dataset.match, ROUTING_GLOB_OPTIONS));
}
