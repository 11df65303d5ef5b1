/**
 * The secrets CLI's failures: each says what was wrong and what to do.
 */

export const exitCode = { ok: 0, incomplete: 1, failed: 2 } as const;

/** A failure that stops the whole run, reported in one line. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Secret Manager refused a call about one secret. `stopsRun` says whether
 * every other secret would be refused the same way (no credentials, no
 * connection), so that the run stops instead of repeating the failure.
 */
export class SecretStoreError extends Error {
  constructor(
    readonly reason: 'no-secret' | 'denied' | 'refused' | 'unreachable' | 'unauthenticated',
    message: string,
    readonly stopsRun = false
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}
