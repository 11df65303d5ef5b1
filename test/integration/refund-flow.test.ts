import { randomUUID } from 'node:crypto';

import { chargeRefundedEvent, currentApiVersion, legacyApiVersion } from '../../local/events';
import { startHarness, type Harness } from '../support/harness';

describe('a refund flows from Stripe to Moltin through Pub/Sub', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('marks the legacy gateway transaction refunded, sending no amount', async () => {
    const event = chargeRefundedEvent({ apiVersion: legacyApiVersion, paymentIntentId: null });
    const charge = event.data.object;
    const { orderId, transactionId } = harness.moltin.addOrder({ reference: charge.id as string });
    charge.metadata = { order_id: orderId };

    const response = await harness.deliver(event);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, id: event.id });
    await harness.waitForLog((entry) => entry.event_id === event.id && entry.message === 'transaction marked refunded in Moltin');
    const refunds = harness.moltin.refundCalls().filter((call) => call.path.includes(orderId));
    expect(refunds).toHaveLength(1);
    expect(refunds[0].path).toBe(`/v2/orders/${orderId}/transactions/${transactionId}/refund`);
    expect(JSON.parse(refunds[0].body || '{}').data?.amount).toBeUndefined();
    expect(harness.moltin.transaction(orderId, transactionId)?.refunded_amount).toBe(2000);
  });

  it('finds a PaymentIntent gateway transaction by the pi_ reference', async () => {
    const event = chargeRefundedEvent({ apiVersion: currentApiVersion });
    const charge = event.data.object;
    const { orderId, transactionId } = harness.moltin.addOrder({
      reference: charge.payment_intent as string,
      gateway: 'elastic_path_payments_stripe',
    });
    charge.metadata = { order_id: orderId };

    expect((await harness.deliver(event)).status).toBe(200);

    await harness.waitForLog((entry) => entry.event_id === event.id && entry.message === 'transaction marked refunded in Moltin');
    expect(harness.moltin.transaction(orderId, transactionId)?.refunded_amount).toBe(2000);
  });

  it('changes nothing for a partial refund', async () => {
    const event = chargeRefundedEvent({ amount: 5000, amountRefunded: 1000 });
    const { orderId } = harness.moltin.addOrder({ reference: event.data.object.id as string, amount: 5000 });
    event.data.object.metadata = { order_id: orderId };

    expect((await harness.deliver(event)).status).toBe(200);

    await harness.waitForLog((entry) => entry.event_id === event.id && entry.message === 'ignored: charge is not fully refunded');
    expect(harness.moltin.calls.filter((call) => call.path.includes(orderId))).toHaveLength(0);
  });

  it('dead-letters an unknown order with its reason', async () => {
    const event = chargeRefundedEvent();
    event.data.object.metadata = { order_id: randomUUID() };

    expect((await harness.deliver(event)).status).toBe(200);

    const [letter] = await harness.pullDeadLetters(1);
    expect(letter.attributes.dead_letter_reason).toBe('order_not_found');
    expect(letter.attributes.event_id).toBe(event.id);
    expect(JSON.parse(letter.data.toString()).id).toBe(event.id);
  });
});
