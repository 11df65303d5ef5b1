import { PermanentError } from '../shared/errors';
import { isRecord } from '../shared/json';

/** The fields of a Stripe charge that decide what happens to its order. */
export interface RefundedCharge {
  id: string;
  amount: number;
  /** What was captured, when Stripe says; less than `amount` after a partial capture. */
  amountCaptured?: number;
  amountRefunded: number;
  refunded: boolean;
  status: string;
  metadata: Record<string, unknown>;
  paymentIntentId?: string;
}

function malformed(problem: string): PermanentError {
  return new PermanentError('malformed_event', `charge ${problem}`);
}

function paymentIntentIdOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  // An expanded PaymentIntent carries its id.
  if (isRecord(value) && typeof value.id === 'string') return value.id;
  throw malformed('has a payment_intent that is neither an id nor an object');
}

/**
 * Returns the charge an event's `data.object` holds; throws a PermanentError
 * when a field this service decides on is missing or of the wrong type.
 */
export function readCharge(object: Record<string, unknown>): RefundedCharge {
  if (object.object !== undefined && object.object !== 'charge') {
    throw malformed(`object is a ${JSON.stringify(object.object)}, not a charge`);
  }
  if (typeof object.id !== 'string' || object.id === '') throw malformed('has no id');
  if (!Number.isInteger(object.amount)) throw malformed('amount is not an integer');
  if (!Number.isInteger(object.amount_refunded)) {
    throw malformed('amount_refunded is not an integer');
  }
  if (object.amount_captured !== undefined && !Number.isInteger(object.amount_captured)) {
    throw malformed('amount_captured is not an integer');
  }
  if (typeof object.refunded !== 'boolean') throw malformed('refunded is not a boolean');
  if (typeof object.status !== 'string') throw malformed('status is not a string');
  if (object.metadata !== undefined && !isRecord(object.metadata)) {
    throw malformed('metadata is not an object');
  }

  return {
    id: object.id,
    amount: object.amount as number,
    amountCaptured: object.amount_captured as number | undefined,
    amountRefunded: object.amount_refunded as number,
    refunded: object.refunded,
    status: object.status,
    metadata: (object.metadata as Record<string, unknown> | undefined) ?? {},
    paymentIntentId: paymentIntentIdOf(object.payment_intent),
  };
}

/**
 * Returns whether the whole charge has been given back. A partial refund
 * leaves the order as it is. After a partial capture, newer API versions
 * count only the captured amount as refundable, older ones the whole amount.
 */
export function isFullyRefunded(charge: RefundedCharge): boolean {
  const captured = charge.amountCaptured;
  const refundable = captured !== undefined && captured > 0 ? Math.min(captured, charge.amount) : charge.amount;
  return (
    charge.refunded &&
    charge.status === 'succeeded' &&
    charge.amountRefunded >= refundable
  );
}
