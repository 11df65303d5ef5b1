import { isFullyRefunded, readCharge } from '../../functions/refund-sync/charge';
import { PermanentError } from '../../functions/shared/errors';
import { chargeRefundedEvent, legacyApiVersion } from '../../local/events';

function charge(overrides: Record<string, unknown> = {}) {
  return { ...chargeRefundedEvent().data.object, ...overrides };
}

describe('isFullyRefunded', () => {
  it('is true when the whole amount came back on a succeeded charge', () => {
    expect(isFullyRefunded(readCharge(charge()))).toBe(true);
  });

  it('is true for an old API version whose charge lists its refunds', () => {
    const object = chargeRefundedEvent({ apiVersion: legacyApiVersion }).data.object;
    expect(object.refunds).toBeDefined();
    expect(isFullyRefunded(readCharge(object))).toBe(true);
  });

  it('is false for a partial refund', () => {
    expect(isFullyRefunded(readCharge(charge({ amount_refunded: 1999, refunded: false })))).toBe(false);
  });

  it('is false when Stripe does not flag the charge refunded', () => {
    expect(isFullyRefunded(readCharge(charge({ refunded: false })))).toBe(false);
  });

  it('is false when the amounts disagree with the flag', () => {
    expect(isFullyRefunded(readCharge(charge({ amount_refunded: 1000, refunded: true })))).toBe(false);
  });

  it('counts only the captured amount after a partial capture', () => {
    const partlyCaptured = { amount: 2000, amount_captured: 1500, amount_refunded: 1500, refunded: true };
    expect(isFullyRefunded(readCharge(charge(partlyCaptured)))).toBe(true);
    expect(isFullyRefunded(readCharge(charge({ ...partlyCaptured, amount_refunded: 1000, refunded: false })))).toBe(false);
  });

  it('is false for a charge that did not succeed', () => {
    expect(isFullyRefunded(readCharge(charge({ status: 'pending' })))).toBe(false);
  });
});

describe('readCharge', () => {
  it('reads the PaymentIntent id, expanded or not', () => {
    expect(readCharge(charge({ payment_intent: 'pi_123' })).paymentIntentId).toBe('pi_123');
    expect(readCharge(charge({ payment_intent: { id: 'pi_456' } })).paymentIntentId).toBe('pi_456');
    expect(readCharge(charge({ payment_intent: null })).paymentIntentId).toBeUndefined();
  });

  it.each([
    ['amount is a string', { amount: '2000' }, 'amount is not an integer'],
    ['refunded is missing', { refunded: undefined }, 'refunded is not a boolean'],
    ['metadata is null', { metadata: null }, 'metadata is not an object'],
    ['the object is not a charge', { object: 'refund' }, 'not a charge'],
    ['there is no id', { id: '' }, 'has no id'],
  ])('refuses a charge whose %s as a malformed event', (_, overrides, problem) => {
    const read = () => readCharge(charge(overrides));
    expect(read).toThrow(PermanentError);
    expect(read).toThrow(problem);
    try {
      read();
    } catch (error) {
      expect((error as PermanentError).reason).toBe('malformed_event');
    }
  });
});
