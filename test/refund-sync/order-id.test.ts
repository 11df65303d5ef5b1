import { readCharge } from '../../functions/refund-sync/charge';
import { findOrderId, stripePaymentIntentMetadata } from '../../functions/refund-sync/order-id';
import { PermanentError, TransientError } from '../../functions/shared/errors';
import { chargeRefundedEvent } from '../../local/events';
import { StripeFake } from '../../local/stripe-fake';

const orderId = '1f6b1a2e-9c39-4d3a-8f4b-2a6f0c3d9e11';

describe('findOrderId', () => {
  let stripe: StripeFake;
  let lookup: ReturnType<typeof stripePaymentIntentMetadata>;

  beforeAll(async () => {
    stripe = new StripeFake('sk_test_unit');
    await stripe.start();
    lookup = stripePaymentIntentMetadata({ secretKey: 'sk_test_unit', apiUrl: new URL(stripe.url), timeoutMs: 1000 });
  });
  afterAll(() => stripe.stop());
  beforeEach(() => (stripe.calls.length = 0));

  const charge = (overrides: Record<string, unknown>) =>
    readCharge({ ...chargeRefundedEvent().data.object, ...overrides });

  it('reads the order id from the charge metadata without calling Stripe', async () => {
    const found = await findOrderId(charge({ metadata: { order_id: orderId } }), 'order_id', lookup);
    expect(found).toEqual({ orderId, source: 'charge' });
    expect(stripe.calls).toHaveLength(0);
  });

  it('honours a configured metadata key', async () => {
    const found = await findOrderId(charge({ metadata: { moltin_order: orderId } }), 'moltin_order', lookup);
    expect(found.orderId).toBe(orderId);
  });

  it('falls back to the PaymentIntent metadata', async () => {
    stripe.paymentIntents.set('pi_fallback', { order_id: orderId });
    const found = await findOrderId(charge({ metadata: {}, payment_intent: 'pi_fallback' }), 'order_id', lookup);
    expect(found).toEqual({ orderId, source: 'payment_intent' });
    expect(stripe.calls).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/payment_intents/pi_fallback', authorization: 'Bearer sk_test_unit' }),
    ]);
  });

  it('asks for a Connect event\'s PaymentIntent on the connected account', async () => {
    stripe.paymentIntents.set('pi_connected', { order_id: orderId });
    const found = await findOrderId(charge({ metadata: {}, payment_intent: 'pi_connected' }), 'order_id', lookup, 'acct_123');
    expect(found.orderId).toBe(orderId);
    expect(stripe.calls[0].account).toBe('acct_123');
  });

  it('finds none for a charge of another sales channel', async () => {
    stripe.paymentIntents.set('pi_other', {});
    expect(await findOrderId(charge({ metadata: {}, payment_intent: 'pi_other' }), 'order_id', lookup)).toEqual({});
    expect(await findOrderId(charge({ metadata: {}, payment_intent: null }), 'order_id', lookup)).toEqual({});
  });

  it.each([
    ['a path', '../../customers'],
    ['unicode', 'заказ-1'],
    ['a huge value', 'a'.repeat(500)],
  ])('refuses an order id holding %s', async (_, value) => {
    const found = findOrderId(charge({ metadata: { order_id: value } }), 'order_id', lookup);
    await expect(found).rejects.toMatchObject({ reason: 'invalid_order_id' });
    await expect(found).rejects.toThrow(`(a string of ${value.length} characters)`);
  });

  it('says what a wrong order id looks like, never what it is', async () => {
    const found = findOrderId(charge({ metadata: { order_id: 'jenny.rosen@example.com' } }), 'order_id', lookup);
    await expect(found).rejects.not.toThrow('jenny');
  });

  it('reports a PaymentIntent Stripe does not know as permanent', async () => {
    const found = findOrderId(charge({ metadata: {}, payment_intent: 'pi_missing' }), 'order_id', lookup);
    await expect(found).rejects.toBeInstanceOf(PermanentError);
    await expect(found).rejects.toMatchObject({ reason: 'payment_intent_not_found' });
  });

  it('reports a refused API key as transient', async () => {
    const wrongKey = stripePaymentIntentMetadata({ secretKey: 'sk_test_old', apiUrl: new URL(stripe.url), timeoutMs: 1000 });
    const found = findOrderId(charge({ metadata: {}, payment_intent: 'pi_x' }), 'order_id', wrongKey);
    await expect(found).rejects.toBeInstanceOf(TransientError);
  });
});
