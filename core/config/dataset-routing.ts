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
}

/**
 * The first dataset whose `match` glob covers the key, or `undefined`. Matching ignores case, so
 * `Orders.CSV` is taken like `orders.csv` (the bucket notifies both suffixes).
 */
export function routeKey<D extends DatasetRoute>(datasets: readonly D[], key: string): D | undefined {
  return datasets.find((dataset) => picomatch.isMatch(key, dataset.match, { dot: true, nocase: true }));
}
