/**
 * What the Google client libraries reject with, read the same way by every
 * CLI: the gRPC status code and the server's own words.
 */

/** The gRPC status codes the CLIs tell apart. */
export const grpcStatus = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  permissionDenied: 7,
  failedPrecondition: 9,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** Messages Google's auth library gives when there are no usable credentials. */
export const noCredentials =
  /could not load the default credentials|could not refresh access token|invalid_grant|unable to detect a project id/i;

/** Returns the gRPC status code of a rejection, if it has one. */
export function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Returns the server's explanation of a rejection, else its message. */
export function detailOf(error: unknown): string {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details === 'string' && details !== '') return details;
  return error instanceof Error ? error.message : String(error);
}
