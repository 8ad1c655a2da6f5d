/**
 * AWS SDK clients, built once per Lambda container (connection reuse across invocations) and
 * traced by X-Ray through Powertools.
 */
import { S3Client } from '@aws-sdk/client-s3';

import type { Observability } from '../observability';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { MissingEnvironmentVariableError } from '../errors';

/** The S3-backed object store of a function. */
export function s3ObjectStore(obs: Observability): S3ObjectStore {
  return new S3ObjectStore(obs.tracer.captureAWSv3Client(new S3Client({})));
}

/** An environment variable the stack sets; a {@link MissingEnvironmentVariableError} when it is missing. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingEnvironmentVariableError(`environment variable ${name} is not set`);
  return value;
}
