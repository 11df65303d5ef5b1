import { PermanentError } from '../shared/errors';
import * as logs from '../shared/logs';
import type { EventContext } from '../shared/logs';
import type { StripeEventLike } from '../shared/message';
import { isFullyRefunded, readCharge } from './charge';
import type { MoltinOrders } from './moltin';
import { findOrderId, type PaymentIntentMetadata } from './order-id';
import { findRefundableTransaction } from './transactions';

/** How an event was dealt with, when it was. */
export type Outcome =
  | 'ignored_event_type'
  | 'partial_refund'
  | 'not_moltin_order'
  | 'already_refunded'
  | 'refunded';

export interface SyncDependencies {
  orderIdMetadataKey: string;
  moltin: MoltinOrders;
  paymentIntentMetadata: PaymentIntentMetadata;
}

/**
 * Applies one Stripe event to Moltin and returns what was decided, logging
 * each decision. Throws TransientError or PermanentError when it cannot.
 */
export async function applyEvent(
  event: StripeEventLike,
  deps: SyncDependencies,
  context: EventContext
): Promise<Outcome> {
  if (event.type !== 'charge.refunded') {
    logs.eventTypeIgnored(context);
    return 'ignored_event_type';
  }

  const charge = readCharge(event.data.object);
  context.chargeId = charge.id;
  if (!isFullyRefunded(charge)) {
    logs.partialRefundIgnored(context, {
      amount: charge.amount,
      amountRefunded: charge.amountRefunded,
      status: charge.status,
    });
    return 'partial_refund';
  }

  const lookup = await findOrderId(
    charge,
    deps.orderIdMetadataKey,
    deps.paymentIntentMetadata,
    event.account
  );
  if (lookup.orderId === undefined) {
    logs.notMoltinOrder(context, deps.orderIdMetadataKey);
    return 'not_moltin_order';
  }
  context.orderId = lookup.orderId;
  if (lookup.source === 'payment_intent') {
    logs.orderIdFromPaymentIntent(context, charge.paymentIntentId as string);
  }

  const transactions = await deps.moltin.listTransactions(lookup.orderId);
  const references = [charge.id, charge.paymentIntentId].filter(
    (reference): reference is string => reference !== undefined
  );
  const match = findRefundableTransaction(transactions, references);
  if (match.kind === 'not_found') {
    throw new PermanentError('transaction_not_found', match.problem);
  }
  context.transactionId = match.transaction.id;
  if (match.kind === 'already_refunded') {
    logs.alreadyRefunded(context);
    return 'already_refunded';
  }

  try {
    await deps.moltin.refundTransaction(lookup.orderId, match.transaction.id);
  } catch (error) {
    if (!isRefusal(error)) throw error;

    // Moltin refuses to refund a refunded transaction, and also for other
    // reasons; its state, not its wording, tells which.
    const after = await deps.moltin.listTransactions(lookup.orderId);
    if (findRefundableTransaction(after, references).kind !== 'already_refunded') {
      throw error;
    }
    logs.alreadyRefunded(context);
    return 'already_refunded';
  }
  logs.transactionRefunded(context);
  return 'refunded';
}

function isRefusal(error: unknown): boolean {
  return error instanceof PermanentError && error.reason === 'refund_rejected';
}
