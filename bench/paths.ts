/** Paths the benchmarks share. */
import path from 'node:path';

/** The project root. */
export const ROOT = path.resolve(__dirname, '..');
/** The dataset configuration the benchmarks run with. */
export const DEFAULT_CONFIG_PATH = path.join(ROOT, 'etl.config.json');
/** Scratch space of the benchmarks (ignored by git). */
export const WORK_DIR = path.join(ROOT, 'bench', '.data', 'work');
