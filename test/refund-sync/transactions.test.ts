import { findRefundableTransaction, type OrderTransaction } from '../../functions/refund-sync/transactions';

function transaction(overrides: Partial<OrderTransaction>): OrderTransaction {
  return {
    id: 'tx-1',
    reference: 'ch_1',
    gateway: 'stripe',
    transaction_type: 'purchase',
    status: 'complete',
    amount: 2000,
    refunded_amount: 0,
    ...overrides,
  };
}

describe('findRefundableTransaction', () => {
  it('matches the legacy stripe gateway by the charge id', () => {
    const match = findRefundableTransaction([transaction({ reference: 'ch_1' })], ['ch_1', 'pi_1']);
    expect(match).toEqual({ kind: 'refundable', transaction: expect.objectContaining({ id: 'tx-1' }) });
  });

  it('matches a PaymentIntent gateway by the PaymentIntent id', () => {
    const transactions = [
      transaction({ id: 'other', reference: 'pi_other' }),
      transaction({ id: 'tx-pi', reference: 'pi_1', gateway: 'elastic_path_payments_stripe', transaction_type: 'capture' }),
    ];
    const match = findRefundableTransaction(transactions, ['ch_1', 'pi_1']);
    expect(match).toMatchObject({ kind: 'refundable', transaction: { id: 'tx-pi' } });
  });

  it('picks the capture, not the authorization it completed', () => {
    const transactions = [
      transaction({ id: 'auth', reference: 'pi_1', transaction_type: 'authorize' }),
      transaction({ id: 'capture', reference: 'pi_1', transaction_type: 'capture' }),
    ];
    expect(findRefundableTransaction(transactions, ['pi_1'])).toMatchObject({ transaction: { id: 'capture' } });
  });

  it('says already refunded when the refunded amount covers the payment', () => {
    const match = findRefundableTransaction([transaction({ refunded_amount: 2000 })], ['ch_1']);
    expect(match.kind).toBe('already_refunded');
  });

  it('says already refunded when refund transactions cover the payment', () => {
    const transactions = [
      transaction({}),
      transaction({ id: 'r1', transaction_type: 'refund', amount: 1500 }),
      transaction({ id: 'r2', transaction_type: 'refund', amount: 500 }),
    ];
    expect(findRefundableTransaction(transactions, ['ch_1']).kind).toBe('already_refunded');
  });

  it('still refunds when an earlier refund covered only part', () => {
    const match = findRefundableTransaction([transaction({ refunded_amount: 500 })], ['ch_1']);
    expect(match.kind).toBe('refundable');
  });

  it('ignores a failed refund transaction', () => {
    const transactions = [transaction({}), transaction({ id: 'r1', transaction_type: 'refund', status: 'failed' })];
    expect(findRefundableTransaction(transactions, ['ch_1']).kind).toBe('refundable');
  });

  it('finds nothing when no reference matches', () => {
    const match = findRefundableTransaction([transaction({ reference: 'ch_2' })], ['ch_1', 'pi_1']);
    expect(match).toEqual({ kind: 'not_found', problem: 'no transaction has reference ch_1 or pi_1' });
  });

  it('finds nothing when the only match is an uncaptured authorization', () => {
    const match = findRefundableTransaction([transaction({ transaction_type: 'authorize' })], ['ch_1']);
    expect(match.kind).toBe('not_found');
  });
});
