import * as fs from 'node:fs';
import * as path from 'node:path';

import Stripe from 'stripe';

import type { MoltinOrders } from '../../functions/refund-sync/moltin';
import { applyEvent } from '../../functions/refund-sync/sync';
import { verifyEvent } from '../../functions/webhook/handler';
import { useCapturedLogs } from '../support/captured-logs';

const secret = 'whsec_fixture_secret';
const fixtures = path.join(__dirname, '..', 'fixtures');

describe.each([
  ['charge-refunded.2020-08-27.stripe-gateway.json', 'charge', 'stripe'],
  ['charge-refunded.2025-09-30.payment-intent-gateway.json', 'payment_intent', 'elastic_path_payments_stripe'],
])('the recorded event %s', (file, referenceField, gateway) => {
  useCapturedLogs();
  const rawBody = fs.readFileSync(path.join(fixtures, file));

  it('verifies over its exact bytes and refunds the transaction its gateway references', async () => {
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: rawBody.toString(), secret });
    const event = verifyEvent(rawBody, signature, [secret]);
    const charge = event.data.object;
    const reference = referenceField === 'charge' ? charge.id : charge.payment_intent;
    const moltin: jest.Mocked<MoltinOrders> = {
      listTransactions: jest.fn().mockResolvedValue([
        { id: 'tx-other', reference: 'ch_unrelated', transaction_type: 'purchase', status: 'complete', amount: 1, refunded_amount: 0 },
        { id: 'tx-paid', reference, gateway, transaction_type: 'purchase', status: 'complete', amount: charge.amount, refunded_amount: 0 },
      ]),
      refundTransaction: jest.fn().mockResolvedValue(undefined),
    };
    const paymentIntentMetadata = jest.fn();

    const outcome = await applyEvent(event, { orderIdMetadataKey: 'order_id', moltin, paymentIntentMetadata }, {});

    expect(outcome).toBe('refunded');
    const orderId = (charge.metadata as Record<string, string>).order_id;
    expect(moltin.listTransactions).toHaveBeenCalledWith(orderId);
    expect(moltin.refundTransaction).toHaveBeenCalledWith(orderId, 'tx-paid');
    expect(paymentIntentMetadata).not.toHaveBeenCalled();
  });

  it('is refused once a byte of it changes', () => {
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: rawBody.toString(), secret });
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString())));
    expect(() => verifyEvent(reformatted, signature, [secret])).toThrow(/signature verification failed/);
  });
});
