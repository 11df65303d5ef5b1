/**
 * The two ways processing an event can fail. The subscriber's answer to
 * Pub/Sub follows from the type alone: a transient failure is retried, a
 * permanent one is dead-lettered with its reason and acknowledged.
 */

/** Why a permanent failure happened; it becomes the dead letter's reason. */
export type PermanentReason =
  | 'malformed_message'
  | 'malformed_event'
  | 'invalid_order_id'
  | 'payment_intent_not_found'
  | 'order_not_found'
  | 'transaction_not_found'
  | 'refund_rejected';

/** A failure that may succeed if tried again later. */
export class TransientError extends Error {
  readonly type = 'transient';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** A failure that no retry can fix: the event needs an operator. */
export class PermanentError extends Error {
  readonly type = 'permanent';

  constructor(
    readonly reason: PermanentReason,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** A required setting is missing or malformed; the function cannot start. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Returns a one-line description of anything thrown, for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
