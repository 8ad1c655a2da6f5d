/**
 * What `etl executions … --aws` says when AWS (or the way to it) refuses: one line naming the
 * error, AWS's own words and the fix — credentials, region, permissions, endpoint, the ARN —
 * instead of an SDK stack trace. The one place that knows the AWS SDK's error names.
 */

/** An AWS request of the CLI failed; `awsName` is the SDK's or the service's error name. Exit code 1. */
export class AwsRequestError extends Error {
  /** The SDK's or the service's name for the error (`AccessDeniedException`, `CredentialsProviderError`, `ECONNREFUSED` …). */
  readonly awsName: string;

  constructor(awsName: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsRequestError';
    this.awsName = awsName;
  }
}

/** Whether the error is an AWS service's answer (the SDK sets `$metadata` on those it throws). */
export const isAwsServiceError = (e: unknown): e is Error & { readonly $metadata: { readonly httpStatusCode?: number } } =>
  e instanceof Error && '$metadata' in e;

const CREDENTIALS = 'no AWS credentials found: set AWS_PROFILE (after aws configure or aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
const EXPIRED = 'the AWS credentials have expired: get fresh ones (aws sso login, or new session credentials)';
const UNKNOWN_KEY = 'AWS does not know this access key: check AWS_ACCESS_KEY_ID or the profile (and AWS_SESSION_TOKEN for temporary credentials)';
const SIGNATURE = 'the secret key does not belong to the access key (check AWS_SECRET_ACCESS_KEY or the profile), or the clock is off';
const PERMISSION = 'the credentials lack the IAM permission named above: grant it to the user or role, or use a profile that has it';
const ENDPOINT = 'cannot reach AWS Step Functions: check --region, the network (a proxy?), and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SFN if set';

/** The fix for each error name the SDK or Step Functions gives. */
const FIXES: Readonly<Record<string, string>> = {
  CredentialsProviderError: CREDENTIALS,
  TokenProviderError: 'the SSO session has expired or was never started: run aws sso login (with AWS_PROFILE set to the SSO profile)',
  ExpiredToken: EXPIRED,
  ExpiredTokenException: EXPIRED,
  TokenRefreshRequired: EXPIRED,
  RequestExpired: 'the request was signed with a clock that is off: set the system clock right (NTP)',
  UnrecognizedClientException: UNKNOWN_KEY,
  InvalidClientTokenId: UNKNOWN_KEY,
  InvalidSignatureException: SIGNATURE,
  SignatureDoesNotMatch: SIGNATURE,
  AccessDenied: PERMISSION,
  AccessDeniedException: PERMISSION,
  StateMachineDoesNotExist:
    "check --state-machine (or ETL_STATE_MACHINE_ARN) against the stack's StateMachineArn output, and that the credentials are for the stack's account",
  ExecutionDoesNotExist: 'check the name (etl executions list --aws lists them) and --state-machine',
  InvalidArn: 'check the ARN given (--state-machine, ETL_STATE_MACHINE_ARN, or the execution ARN)',
  ExecutionNotRedrivable: 'only a FAILED, ABORTED or TIMED_OUT execution of a standard workflow can be redriven, within 14 days of its start',
  ThrottlingException: 'AWS throttled the requests: try again in a moment',
  TooManyRequestsException: 'AWS throttled the requests: try again in a moment',
  ENOTFOUND: ENDPOINT,
  EAI_AGAIN: ENDPOINT,
  ECONNREFUSED: ENDPOINT,
  ECONNRESET: ENDPOINT,
  ETIMEDOUT: ENDPOINT,
  EHOSTUNREACH: ENDPOINT,
  ENETUNREACH: ENDPOINT,
  TimeoutError: ENDPOINT,
};

/** The SDK's message when no region is configured (it throws a plain Error). */
const REGION_MISSING = /^Region is missing/;

/** A message on one line, without its final period. */
const oneLine = (text: string): string =>
  text
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\.$/, '');

/** The error's message; a connection to a name with several addresses fails with an AggregateError whose own message is empty. */
const messageOf = (e: Error): string =>
  e.message === '' && e instanceof AggregateError ? e.errors.map((inner) => String((inner as Error)?.message ?? inner)).join('; ') : e.message;

/**
 * The {@link AwsRequestError} an error of an AWS request stands for, or `undefined` when it is
 * no such error (a bug of the CLI: it keeps its stack). `<name>: <AWS's message>; <the fix>`.
 */
export function awsRequestError(e: unknown): AwsRequestError | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  const name = typeof code === 'string' && code in FIXES ? code : e.name;
  if (name === 'SyntaxError' && isAwsServiceError(e)) {
    // The SDK could not read the answer: something else answered (a proxy's page, another service).
    const fix = `the answer (HTTP ${e.$metadata.httpStatusCode ?? '?'}) is not Step Functions': check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SFN and any proxy`;
    return new AwsRequestError(name, `${name}: ${oneLine(e.message.split('\n')[0])}; ${fix}`, { cause: e });
  }
  const fix = REGION_MISSING.test(e.message) ? 'give --region, or set AWS_REGION' : FIXES[name];
  if (fix === undefined && !isAwsServiceError(e)) return undefined;
  return new AwsRequestError(name, `${name}: ${oneLine(messageOf(e))}${fix ? `; ${fix}` : ''}`, { cause: e });
}

/** Runs an AWS request; an error of it becomes one {@link AwsRequestError} line. */
export async function callAws<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e: unknown) {
    throw awsRequestError(e) ?? e;
  }
}
