import type { MoltinOrders } from '../../functions/refund-sync/moltin';
import { applyEvent } from '../../functions/refund-sync/sync';
import type { OrderTransaction } from '../../functions/refund-sync/transactions';
import { PermanentError } from '../../functions/shared/errors';
import { chargeRefundedEvent } from '../../local/events';
import { useCapturedLogs } from '../support/captured-logs';

const orderId = '0d9f8e7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f';

describe('applyEvent when Moltin refuses the refund', () => {
  const logged = useCapturedLogs();
  const event = chargeRefundedEvent({ metadata: { order_id: orderId } });
  const payment = (refunded: number): OrderTransaction => ({
    id: 'tx-1',
    reference: event.data.object.id as string,
    transaction_type: 'purchase',
    status: 'complete',
    amount: 2000,
    refunded_amount: refunded,
  });
  const refusal = new PermanentError('refund_rejected', 'Moltin refund failed: 422 Unprocessable Entity');

  function moltinAnswering(listings: OrderTransaction[][]): jest.Mocked<MoltinOrders> {
    const list = jest.fn();
    for (const listing of listings) list.mockResolvedValueOnce(listing);
    return { listTransactions: list, refundTransaction: jest.fn().mockRejectedValue(refusal) };
  }

  it('counts the refusal as done when the transaction now reads refunded', async () => {
    const moltin = moltinAnswering([[payment(0)], [payment(2000)]]);

    const outcome = await applyEvent(event, { orderIdMetadataKey: 'order_id', moltin, paymentIntentMetadata: jest.fn() }, {});

    expect(outcome).toBe('already_refunded');
    expect(moltin.listTransactions).toHaveBeenCalledTimes(2);
    expect(logged().map((entry) => entry.message)).toEqual(['already refunded in Moltin: nothing to do']);
  });

  it('passes the refusal on when the transaction is still not refunded', async () => {
    const moltin = moltinAnswering([[payment(0)], [payment(0)]]);

    const applying = applyEvent(event, { orderIdMetadataKey: 'order_id', moltin, paymentIntentMetadata: jest.fn() }, {});

    await expect(applying).rejects.toBe(refusal);
  });
});
