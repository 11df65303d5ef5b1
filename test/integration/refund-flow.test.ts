import { randomUUID } from 'node:crypto';

import type { Message } from '@google-cloud/pubsub';

import { chargeRefundedEvent, currentApiVersion, legacyApiVersion, signedDelivery } from '../../local/events';
import { resourceNames } from '../../local/pipeline';
import { waitFor } from '../../local/ports';
import { secrets, startHarness, type Harness } from '../support/harness';

const refundedLine = 'transaction marked refunded in Moltin';

function orderFor(harness: Harness, event: ReturnType<typeof chargeRefundedEvent>, reference?: string) {
  const charge = event.data.object;
  const order = harness.moltin.addOrder({ reference: reference ?? (charge.id as string) });
  charge.metadata = { order_id: order.orderId };
  return order;
}

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

  it('looks the order id up on the PaymentIntent when the charge lacks it', async () => {
    const event = chargeRefundedEvent();
    const paymentIntentId = event.data.object.payment_intent as string;
    const { orderId, transactionId } = harness.moltin.addOrder({ reference: paymentIntentId });
    harness.stripe.paymentIntents.set(paymentIntentId, { order_id: orderId });

    expect((await harness.deliver(event)).status).toBe(200);

    await harness.waitForLog((entry) => entry.event_id === event.id && entry.message === refundedLine);
    expect(harness.stripe.calls.map((call) => call.path)).toContain(`/v1/payment_intents/${paymentIntentId}`);
    expect(harness.moltin.transaction(orderId, transactionId)?.refunded_amount).toBe(2000);
  });

  it('refunds once when Stripe delivers the same event again', async () => {
    const event = chargeRefundedEvent();
    const { orderId } = orderFor(harness, event);

    expect((await harness.deliver(event)).status).toBe(200);
    await harness.waitForLog((entry) => entry.event_id === event.id && entry.message === refundedLine);
    expect((await harness.deliver(event)).status).toBe(200);
    await harness.waitForLog(
      (entry) => entry.event_id === event.id && entry.message === 'already refunded in Moltin: nothing to do'
    );

    const calls = harness.moltin.calls.filter((call) => call.path.includes(orderId));
    expect(calls.map((call) => call.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('refunds the customer once when two deliveries of an event race', async () => {
    const event = chargeRefundedEvent();
    const { orderId, transactionId } = orderFor(harness, event);

    const responses = await Promise.all([harness.deliver(event), harness.deliver(event)]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);

    await waitFor('both deliveries decided', async () =>
      harness.logsFor(event.id).filter((entry) =>
        [refundedLine, 'already refunded in Moltin: nothing to do'].includes(entry.message as string)
      ).length === 2, 20_000);
    // Both may reach the refund call; Moltin refuses the second as already
    // refunded, which counts as success, and the amount is refunded once.
    const refunds = harness.moltin.refundCalls().filter((call) => call.path.includes(orderId));
    expect(refunds.length).toBeGreaterThanOrEqual(1);
    expect(refunds.every((call) => JSON.parse(call.body).data.amount === undefined)).toBe(true);
    expect(harness.moltin.transaction(orderId, transactionId)?.refunded_amount).toBe(2000);
  });

  it('recovers from a Moltin 503 and refunds once', async () => {
    const event = chargeRefundedEvent();
    const { orderId, transactionId } = orderFor(harness, event);
    let failures = 0;
    const remove = harness.moltin.injectFault((call) =>
      call.path.includes(orderId) && failures++ < 2 ? { status: 503 } : undefined
    );

    try {
      expect((await harness.deliver(event)).status).toBe(200);
      await harness.waitForLog((entry) => entry.event_id === event.id && entry.message === refundedLine, 30_000);
    } finally {
      remove();
    }
    const retries = harness.logsFor(event.id).filter((entry) => String(entry.message).startsWith('transient failure'));
    expect(retries).toHaveLength(2);
    expect(harness.moltin.refundCalls().filter((call) => call.path.includes(orderId))).toHaveLength(1);
    expect(harness.moltin.transaction(orderId, transactionId)?.refunded_amount).toBe(2000);
  });

  it('publishes nothing for a bad signature, and the next good event still flows', async () => {
    const [audit] = await harness.pipeline.pubsub
      .topic(resourceNames.topic)
      .createSubscription(`audit-${Date.now()}`);
    const seen: string[] = [];
    audit.on('message', (message: Message) => {
      seen.push(message.attributes.event_id);
      message.ack();
    });

    try {
      const forged = chargeRefundedEvent();
      orderFor(harness, forged);
      const bad = await harness.deliver(forged, 'whsec_not_the_secret');
      const { body } = signedDelivery(forged, secrets.webhook);
      const unsigned = await harness.post(body, {});
      const good = chargeRefundedEvent();
      orderFor(harness, good);
      const accepted = await harness.deliver(good);

      expect([bad.status, unsigned.status, accepted.status]).toEqual([400, 400, 200]);
      await waitFor('the good event on the topic', async () => seen.includes(good.id), 10_000);
      expect(seen).not.toContain(forged.id);
      expect(harness.logsFor(forged.id)).toHaveLength(0);
    } finally {
      await audit.close();
      await audit.delete();
    }
  });

  it('dead-letters through Pub/Sub an event Moltin refuses every time', async () => {
    const event = chargeRefundedEvent();
    const { orderId } = orderFor(harness, event);
    const remove = harness.moltin.injectFault((call) => (call.path.includes(orderId) ? { status: 500 } : undefined));

    try {
      expect((await harness.deliver(event)).status).toBe(200);
      const [letter] = await harness.pullDeadLetters(1, 60_000);

      expect(letter.attributes.event_id).toBe(event.id);
      expect(Number(letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount)).toBeGreaterThanOrEqual(5);
      expect(JSON.parse(letter.data.toString()).id).toBe(event.id);
    } finally {
      remove();
    }
    const attempts = harness.moltin.calls.filter((call) => call.path.includes(orderId));
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    expect(harness.moltin.refundCalls().filter((call) => call.path.includes(orderId))).toHaveLength(0);
  });
});
