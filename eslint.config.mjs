// Flat config: typescript-eslint's recommended rules plus the architecture's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Plain-JS tool configs and the bin shim are not part of the TypeScript code base.
  { ignores: ['node_modules/', '.venv/', 'cdk.out/', '.etl/', 'coverage/', 'bin/*.js', 'glue/', '*.config.js', '*.config.mjs', 'bench/.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // core/ is pure domain logic: no AWS SDK, no CDK, no other project folder.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '@aws-lambda-powertools/*', '../handlers/*', '../local/*', '../infra/*', '../../handlers/*', '../../local/*', '../../infra/*'] }],
    },
  },
  {
    // handlers/ run in Lambda: never the CDK, never the local runtime.
    files: ['handlers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '../local/*', '../../local/*', '../infra/*', '../../infra/*'] }],
    },
  },
);
