/**
 * Error classes of the CDK app: each stops a synth, before anything deploys, with a stable `name`
 * ending in `Error`. They are not the pipeline's (core/errors.ts): nothing at run time routes them.
 */

/** Settings that cannot be used, all of them at once. */
export class SettingsError extends Error {
  /** Every problem found, one line each (`etl:<key>: …`). */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid CDK context (set in cdk.json or with -c key=value):\n${problems.map((p) => `  ${p}`).join('\n')}`, options);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

/** A topic the stack created has no resource policy to extend (each one has: enforceSSL makes it). */
export class MissingTopicPolicyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MissingTopicPolicyError';
  }
}

/** A construct aws-cdk-lib adds once to a stack is missing, or there is more than one. */
export class ConstructLookupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConstructLookupError';
  }
}

/**
 * DuckDB's binding for the Lambda runtime is not where the bundles copy it from (not installed,
 * another version than `@duckdb/node-api`'s, not an arm64 build): `npm run lambda-duckdb` installs it.
 */
export class LambdaDuckDbMissingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LambdaDuckDbMissingError';
  }
}
