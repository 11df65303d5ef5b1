import { createRefundSyncHandler } from '../../functions/refund-sync/handler';
import type { MoltinOrders } from '../../functions/refund-sync/moltin';
import { PermanentError, TransientError } from '../../functions/shared/errors';
import { chargeRefundedEvent } from '../../local/events';
import { useCapturedLogs } from '../support/captured-logs';
import { fakeRequest, fakeResponse } from '../support/http-doubles';

const orderId = '7d0c5d7e-3b1f-4a55-9d8e-0f2b6c1a4e90';

function pushBody(data: Buffer | string | undefined, attributes: Record<string, string> = {}) {
  return {
    message: {
      ...(data !== undefined && { data: Buffer.isBuffer(data) ? data.toString('base64') : data }),
      attributes,
      messageId: 'm-1',
      publishTime: new Date().toISOString(),
    },
    subscription: 'projects/p/subscriptions/stripe-events-refund-sync',
    deliveryAttempt: 3,
  };
}

function refundEvent() {
  const event = chargeRefundedEvent();
  event.data.object.metadata = { order_id: orderId };
  return event;
}

describe('the refundSync handler', () => {
  const logged = useCapturedLogs();
  let moltin: jest.Mocked<MoltinOrders>;
  let deadLetters: jest.Mock;

  beforeEach(() => {
    moltin = { listTransactions: jest.fn(), refundTransaction: jest.fn() };
    deadLetters = jest.fn().mockResolvedValue('dl-1');
  });

  async function push(body: unknown, rawBody?: Buffer) {
    const handler = createRefundSyncHandler(
      { orderIdMetadataKey: 'order_id', moltin, paymentIntentMetadata: jest.fn() },
      deadLetters
    );
    const { res, recorded } = fakeResponse();
    await handler(fakeRequest({ body, rawBody: rawBody ?? Buffer.from(JSON.stringify(body)) }), res);
    return recorded;
  }

  it('refunds and acknowledges, logging the decision with its ids', async () => {
    const event = refundEvent();
    moltin.listTransactions.mockResolvedValue([
      { id: 'tx-9', reference: event.data.object.id as string, transaction_type: 'purchase', status: 'complete', amount: 2000, refunded_amount: 0 },
    ]);

    const recorded = await push(pushBody(Buffer.from(JSON.stringify(event)), { event_id: event.id }));

    expect(recorded).toEqual({ status: 200, headers: {}, body: { outcome: 'refunded' } });
    expect(moltin.refundTransaction).toHaveBeenCalledWith(orderId, 'tx-9');
    expect(logged()).toEqual([
      expect.objectContaining({
        message: 'transaction marked refunded in Moltin',
        event_id: event.id,
        order_id: orderId,
        charge_id: event.data.object.id,
        transaction_id: 'tx-9',
        message_id: 'm-1',
        delivery_attempt: 3,
      }),
    ]);
  });

  it('acknowledges an event of another type without touching Moltin', async () => {
    const event = { ...refundEvent(), type: 'charge.succeeded' };
    const recorded = await push(pushBody(Buffer.from(JSON.stringify(event))));
    expect(recorded.body).toEqual({ outcome: 'ignored_event_type' });
    expect(moltin.listTransactions).not.toHaveBeenCalled();
  });

  it('answers 503 on a transient failure so Pub/Sub retries', async () => {
    moltin.listTransactions.mockRejectedValue(new TransientError('Moltin listing transactions failed: 503'));
    const recorded = await push(pushBody(Buffer.from(JSON.stringify(refundEvent()))));
    expect(recorded.status).toBe(503);
    expect(deadLetters).not.toHaveBeenCalled();
  });

  it('treats an unexpected error as transient, never as done', async () => {
    moltin.listTransactions.mockRejectedValue(new RangeError('bug'));
    expect((await push(pushBody(Buffer.from(JSON.stringify(refundEvent()))))).status).toBe(503);
  });

  it('dead-letters a permanent failure with its reason, then acknowledges', async () => {
    const event = refundEvent();
    const data = Buffer.from(JSON.stringify(event));
    moltin.listTransactions.mockRejectedValue(new PermanentError('order_not_found', 'Moltin listing transactions failed: 404'));

    const recorded = await push(pushBody(data, { event_id: event.id, event_type: 'charge.refunded' }));

    expect(recorded).toMatchObject({ status: 200, body: { outcome: 'dead_lettered', reason: 'order_not_found' } });
    const [letterData, attributes] = deadLetters.mock.calls[0];
    expect(Buffer.compare(letterData, data)).toBe(0);
    expect(attributes).toMatchObject({
      event_id: event.id,
      event_type: 'charge.refunded',
      dead_letter_reason: 'order_not_found',
      dead_letter_detail: 'Moltin listing transactions failed: 404',
      source_message_id: 'm-1',
      source_subscription: 'projects/p/subscriptions/stripe-events-refund-sync',
    });
  });

  it('answers 503 when the dead letter itself cannot be published', async () => {
    deadLetters.mockRejectedValue(new Error('UNAVAILABLE'));
    const recorded = await push(pushBody(Buffer.from('not json')));
    expect(recorded.status).toBe(503);
  });

  it.each([
    ['a body that is not an envelope', { hello: 'world' }, 'malformed_message'],
    ['an envelope without data', pushBody(undefined), 'malformed_message'],
    ['data that is not base64', pushBody('%%% not base64 %%%'), 'malformed_message'],
    ['data that is not JSON', pushBody(Buffer.from('{"id": ')), 'malformed_event'],
    ['an event without data.object', pushBody(Buffer.from(JSON.stringify({ id: 'evt_1', type: 'charge.refunded', data: {} }))), 'malformed_event'],
  ])('dead-letters %s', async (_, body, reason) => {
    const recorded = await push(body);
    expect(recorded.status).toBe(200);
    expect(deadLetters).toHaveBeenCalledTimes(1);
    expect(deadLetters.mock.calls[0][1].dead_letter_reason).toBe(reason);
    expect(logged()).toEqual([expect.objectContaining({ severity: 'ERROR', reason })]);
  });

  it('logs a cut-off event type with its length rather than whole', async () => {
    const event = { ...refundEvent(), type: 'charge.' + 'x'.repeat(240) };
    await push(pushBody(Buffer.from(JSON.stringify(event))));
    const [entry] = logged();
    expect(entry.event_type).toMatch(/\.\.\. \(247 characters\)$/);
  });

  it('logs the message id of an envelope it could not read', async () => {
    await push(pushBody(undefined, { event_id: 'evt_named' }));
    expect(logged()).toEqual([expect.objectContaining({ message_id: 'm-1', event_id: 'evt_named' })]);
  });

  it('keeps the whole request as the dead letter when there is no message data', async () => {
    const body = pushBody(undefined, { event_id: 'evt_kept' });
    const raw = Buffer.from(JSON.stringify(body));
    await push(body, raw);
    const [letterData, attributes] = deadLetters.mock.calls[0];
    expect(letterData.toString()).toBe(raw.toString());
    expect(attributes.event_id).toBe('evt_kept');
  });
});
