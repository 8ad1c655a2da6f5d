/**
 * The arguments of one transform run, as the state machine passes them: to the Glue job
 * (`glue:startJobRun`'s `Arguments`) and, the same object, to the fast path's Lambda.
 */
export interface TransformArguments {
  readonly '--bucket': string;
  readonly '--input_key': string;
  readonly '--input_version_id': string;
  /** What the output files are named after (`part-<load id>-<n>.parquet`). */
  readonly '--load_id': string;
  readonly '--dataset': string;
  readonly '--execution_name': string;
  readonly '--ingestion_date': string;
  readonly '--report_key': string;
}
