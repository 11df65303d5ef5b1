/** The fields of a Moltin order transaction this service reads. */
export interface OrderTransaction {
  id: string;
  reference?: string;
  gateway?: string;
  transaction_type?: string;
  status?: string;
  amount?: number;
  refunded_amount?: number;
}

/** What an order's transactions say about a refunded charge. */
export type TransactionMatch =
  | { kind: 'refundable'; transaction: OrderTransaction }
  | { kind: 'already_refunded'; transaction: OrderTransaction }
  | { kind: 'not_found'; problem: string };

// Transactions that took the customer's money; a refund applies to these.
const paymentTypes = new Set(['purchase', 'capture']);

function amountOf(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function isRefunded(
  payment: OrderTransaction,
  refunds: OrderTransaction[]
): boolean {
  const refundedAmount = Math.max(
    amountOf(payment.refunded_amount),
    refunds.reduce((sum, refund) => sum + amountOf(refund.amount), 0)
  );
  return refundedAmount > 0 && refundedAmount >= amountOf(payment.amount);
}

/**
 * Returns the transaction of an order that a Stripe charge paid, found by its
 * reference: the charge id (Moltin's legacy `stripe` gateway) or the
 * PaymentIntent id (the PaymentIntents gateways), and whether it is refunded.
 */
export function findRefundableTransaction(
  transactions: OrderTransaction[],
  references: string[]
): TransactionMatch {
  const matching = transactions.filter(
    (transaction) =>
      transaction.reference !== undefined &&
      references.includes(transaction.reference)
  );
  if (matching.length === 0) {
    return {
      kind: 'not_found',
      problem: `no transaction has reference ${references.join(' or ')}`,
    };
  }

  const refunds = matching.filter(
    (transaction) =>
      transaction.transaction_type === 'refund' &&
      transaction.status !== 'failed'
  );
  const payment = matching.find(
    (transaction) =>
      paymentTypes.has(transaction.transaction_type ?? '') &&
      transaction.status === 'complete'
  );
  if (payment === undefined) {
    return {
      kind: 'not_found',
      problem: `no completed payment transaction has reference ${references.join(' or ')}`,
    };
  }

  if (isRefunded(payment, refunds)) {
    return { kind: 'already_refunded', transaction: payment };
  }
  return { kind: 'refundable', transaction: payment };
}
