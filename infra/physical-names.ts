/**
 * Physical names of one deployment stage. Every name the stack gives a resource goes through
 * here, so that two stages (`-c etl:stage=dev`, `-c etl:stage=prod`) deploy side by side in one
 * account and region; the default stage (no `etl:stage`) keeps the names of the workflow document.
 */

/** The names of one stage. */
export class PhysicalNames {
  /** @param stage `''` for the default stage, else a validated stage name (`infra/settings.ts`). */
  constructor(readonly stage: string) {}

  /**
   * A name unique within an account and region: `base` in the default stage, `<stage>-<base>`
   * otherwise.
   * @example new PhysicalNames('dev').of('etl-job-success') // 'dev-etl-job-success'
   */
  of(base: string): string {
    return this.stage === '' ? base : `${this.stage}-${base}`;
  }

  /**
   * A Glue Data Catalog name (database): {@link of} with underscores for hyphens, since Athena's
   * DDL and the console take names of lower-case letters, digits and underscores unquoted.
   * @example new PhysicalNames('dev-eu').glue('etl_pipeline') // 'dev_eu_etl_pipeline'
   */
  glue(base: string): string {
    return this.of(base).replace(/-/g, '_').toLowerCase();
  }

  /**
   * A name unique within the whole account (AWS Budgets and CloudWatch dashboards are not
   * regional): {@link of} followed by the region, which may be a deploy-time token.
   */
  global(base: string, region: string): string {
    return `${this.of(base)}-${region}`;
  }

  /** The CloudFormation stack: `EtlPipeline` in the default stage. */
  get stackName(): string {
    return this.of('EtlPipeline');
  }
}
