/** The dataset configuration bundled into each Lambda by esbuild, validated once at cold start. */
import document from '../../etl.config.json';
import { parseConfig } from '../../core/config/dataset-config';

/** The deployed configuration. */
export const bundledConfig = parseConfig(document, 'etl.config.json');
