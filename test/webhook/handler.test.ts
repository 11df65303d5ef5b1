import { chargeRefundedEvent, signedDelivery } from '../../local/events';
import type { WebhookConfig } from '../../functions/shared/config';
import { createWebhookHandler, verifyEvent, WebhookRejection } from '../../functions/webhook/handler';
import { useCapturedLogs } from '../support/captured-logs';
import { fakeRequest, fakeResponse } from '../support/http-doubles';

const secret = 'whsec_unit_test_secret';
const otherSecret = 'whsec_some_other_secret';

function signed(event: unknown, signingSecret = secret, timestamp?: number) {
  const { body, signature } = signedDelivery(event, signingSecret, timestamp);
  return { rawBody: Buffer.from(body), signature };
}

describe('verifyEvent', () => {
  const event = chargeRefundedEvent();

  it('returns the event when the signature matches', () => {
    const { rawBody, signature } = signed(event);
    expect(verifyEvent(rawBody, signature, [secret]).id).toBe(event.id);
  });

  it('refuses a signature made with another secret', () => {
    const { rawBody, signature } = signed(event, otherSecret);
    expect(() => verifyEvent(rawBody, signature, [secret])).toThrow(
      /signature verification failed: No signatures found/
    );
  });

  it('accepts a match against any secret of a rotated list', () => {
    const { rawBody, signature } = signed(event, secret);
    expect(verifyEvent(rawBody, signature, [otherSecret, secret]).id).toBe(event.id);
  });

  it('refuses a delivery signed longer ago than the tolerance', () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
    const { rawBody, signature } = signed(event, secret, sixMinutesAgo);
    expect(() => verifyEvent(rawBody, signature, [secret])).toThrow(/tolerance/);
  });

  it('accepts a delivery signed within the tolerance', () => {
    const fourMinutesAgo = Math.floor(Date.now() / 1000) - 240;
    const { rawBody, signature } = signed(event, secret, fourMinutesAgo);
    expect(verifyEvent(rawBody, signature, [secret]).id).toBe(event.id);
  });

  it('refuses a delivery without a Stripe-Signature header', () => {
    const { rawBody } = signed(event);
    expect(() => verifyEvent(rawBody, undefined, [secret])).toThrow('no Stripe-Signature header');
  });

  it('refuses a body changed after signing, even by one byte', () => {
    const { rawBody, signature } = signed(event);
    const tampered = Buffer.from(rawBody.toString().replace('"amount": 2000', '"amount": 2001'));
    expect(tampered.equals(rawBody)).toBe(false);
    expect(() => verifyEvent(tampered, signature, [secret])).toThrow(WebhookRejection);
  });

  it('refuses a correctly signed body that is not an event', () => {
    const { rawBody, signature } = signed({ hello: 'world' });
    expect(() => verifyEvent(rawBody, signature, [secret])).toThrow(/not a Stripe event: event has no id/);
  });
});

describe('the stripeWebhook handler', () => {
  const logged = useCapturedLogs();
  const config: WebhookConfig = {
    projectId: 'unit',
    pubsub: { endpoint: new URL('http://127.0.0.1:1') },
    topic: 'stripe-events',
    webhookSecrets: [secret],
    publishTimeoutMs: 1000,
  };

  function deliver(
    publish: (data: Buffer, attributes: Record<string, string>) => Promise<string>,
    event: Record<string, unknown> = chargeRefundedEvent(),
    signingSecret = secret
  ) {
    const { rawBody, signature } = signed(event, signingSecret);
    const { res, recorded } = fakeResponse();
    const req = fakeRequest({ headers: { 'Stripe-Signature': signature }, rawBody, body: JSON.parse(rawBody.toString()) });
    return createWebhookHandler(config, publish)(req, res).then(() => ({ recorded, rawBody }));
  }

  it('answers 405 with Allow: POST to anything but POST', async () => {
    const publish = jest.fn();
    const { res, recorded } = fakeResponse();
    await createWebhookHandler(config, publish)(fakeRequest({ method: 'GET' }), res);
    expect(recorded.status).toBe(405);
    expect(recorded.headers.Allow).toBe('POST');
    expect(publish).not.toHaveBeenCalled();
  });

  it('publishes the raw bytes with the event attributes, then answers 200', async () => {
    const event = { ...chargeRefundedEvent(), account: 'acct_connected123' };
    const publish = jest.fn().mockResolvedValue('message-1');

    const { recorded, rawBody } = await deliver(publish, event);

    expect(publish).toHaveBeenCalledTimes(1);
    const [data, attributes] = publish.mock.calls[0];
    expect(Buffer.compare(data, rawBody)).toBe(0);
    expect(attributes).toEqual({
      event_id: event.id,
      event_type: 'charge.refunded',
      livemode: 'false',
      api_version: event.api_version,
      created: String(event.created),
      account: 'acct_connected123',
    });
    expect(recorded).toMatchObject({ status: 200, body: { received: true, id: event.id } });
  });

  it('answers 503, not 2xx, when Pub/Sub does not take the event', async () => {
    const publish = jest.fn().mockRejectedValue(new Error('14 UNAVAILABLE: no connection'));
    const { recorded } = await deliver(publish);
    expect(recorded.status).toBe(503);
    expect(logged()).toEqual([
      expect.objectContaining({ severity: 'ERROR', message: expect.stringContaining('UNAVAILABLE') }),
    ]);
  });

  it('answers 400 and publishes nothing for a bad signature', async () => {
    const publish = jest.fn();
    const { recorded } = await deliver(publish, chargeRefundedEvent(), otherSecret);
    expect(recorded.status).toBe(400);
    expect(recorded.body).toEqual({
      error: 'signature verification failed: No signatures found matching the expected signature for payload.' +
        ' Are you passing the raw request body you received from Stripe?',
    });
    expect(publish).not.toHaveBeenCalled();
  });
});
