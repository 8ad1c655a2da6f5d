// Flat config: typescript-eslint's recommended rules plus the architecture's import boundaries.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The layers, by folder from the project root, each importing only itself and the layers it lists
 * (the ones below it). A file belongs to the first layer whose folder holds it, so a sub-layer
 * comes before its parent (`local/runtime` before `local`). `bench/` and `test/` may import everything. test/lint/boundaries.test.ts checks the rules.
 */
const LAYERS = [
  { type: 'core', folder: 'core', imports: [] },
  { type: 'statemachine', folder: 'statemachine', imports: ['core'] },
  { type: 'handlers', folder: 'handlers', imports: ['core'] }, // not statemachine/: it reads the ASL file, which no Lambda bundle ships
  { type: 'infra', folder: 'infra', imports: ['core', 'statemachine'] },
  // local/, bottom up: the runtime (pipeline, bucket, execution store, log capture, engines), what
  // the CLI and the console share, the console, and the CLI that starts it.
  { type: 'local/runtime', folder: 'local/runtime', imports: ['core', 'statemachine', 'handlers'] },
  { type: 'local/shared', folder: 'local/shared', imports: ['core', 'statemachine', 'handlers', 'local/runtime'] },
  { type: 'local/console', folder: 'local/console', imports: ['core', 'statemachine', 'handlers', 'local/runtime', 'local/shared'] },
  { type: 'local/cli', folder: 'local/cli', imports: ['core', 'statemachine', 'handlers', 'local/runtime', 'local/shared', 'local/console'] },
  // A file in local/ outside these folders is held to the runtime's rules.
  { type: 'local', folder: 'local', imports: ['core', 'statemachine', 'handlers'] },
  { type: 'bench', folder: 'bench', imports: ['**'] },
  { type: 'test', folder: 'test', imports: ['**'] },
];

/** The pure layers: of what is outside the project, only node's builtins and these packages. */
const PURE_LAYERS = ['core', 'statemachine'];
const PURE_PACKAGES = ['zod', 'fast-csv', 'csv-parse', 'picomatch', 'refa'];

/**
 * Never in a Lambda bundle: the CDK, and the local runtime's native and CLI packages. (DuckDB is
 * allowed: the fast path's transform runs it, and its function ships the arm64 binding.)
 */
const NOT_IN_LAMBDA = ['aws-cdk-lib', 'constructs', 'cdk-nag', 'better-sqlite3', 'duckdb', 'chokidar', 'commander', 'aws-local-stepfunctions'];

const layer = (type) => ({ element: { type } });
const packages = (sources) => ({ module: { origin: 'external', source: sources } });
const NODE_BUILTINS = { module: { origin: 'core' } };
const ANY_PACKAGE = { module: { origin: ['external', 'core'] } };

const boundaryPolicies = [
  // Within a layer anything goes; between layers, downward only.
  ...LAYERS.map(({ type, imports }) => ({ from: layer(type), allow: { to: [type, ...imports].map(layer) } })),
  // Packages: the pure layers list theirs; the others may use any but what their layer never runs with.
  ...PURE_LAYERS.map((type) => ({ from: layer(type), allow: { to: [NODE_BUILTINS, packages(PURE_PACKAGES)] } })),
  ...LAYERS.filter(({ type }) => !PURE_LAYERS.includes(type)).map(({ type }) => ({ from: layer(type), allow: { to: ANY_PACKAGE } })),
  { from: layer('handlers'), disallow: { to: packages(NOT_IN_LAMBDA) } },
];

export default tseslint.config(
  // Plain-JS tool configs and the bin shim are not part of the TypeScript code base; test/lint/fixtures/ is linted by its test.
  {
    ignores: [
      'node_modules/',
      '.venv/',
      'cdk.out/',
      '.etl/',
      'coverage/',
      'bin/*.js',
      'glue/',
      '*.config.js',
      '*.config.mjs',
      'bench/.data/',
      'test/lint/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYERS.map(({ type, folder }) => ({ type, pattern: folder, partialMatch: false })),
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', checkAllOrigins: true, policies: boundaryPolicies }],
    },
  },
);
