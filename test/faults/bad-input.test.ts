/**
 * Bad input at the subscriber: push requests that are not envelopes or hold
 * no readable data, messages whose data is not a Stripe event, and events
 * whose charge is malformed, has null or huge metadata, or a unicode order
 * id. Each is dead-lettered with a reason it also logs, and the instance
 * keeps serving.
 */
import type { Message } from '@google-cloud/pubsub';

import { chargeRefundedEvent } from '../../local/events';
import { resourceNames } from '../../local/pipeline';
import { waitFor } from '../../local/ports';
import { startHarness, type Harness } from '../support/harness';
import {
  countAppliedRefunds,
  decision,
  findLeaks,
  printFigures,
  refundSyncEntries,
  Sender,
  watchDeadLetters,
  type DeadLetterWatch,
} from './support/kit';

// Pub/Sub's limit on an attribute value, which the reason's detail must respect.
const attributeLimitBytes = 1024;

interface BadInput {
  name: string;
  /** How it reaches refundSync. */
  path: 'push request' | 'events topic' | 'webhook';
  send(h: Harness, sender: Sender): Promise<void>;
  reason: string;
  detail: RegExp;
  /** Picks this input's dead letter. */
  isMine(letter: Message): boolean;
  eventId?: string;
}

function pushEnvelope(messageId: string, message: Record<string, unknown>) {
  const attributes = { event_id: `evt_${messageId}`, event_type: 'charge.refunded' };
  return JSON.stringify({
    message: { messageId, attributes, ...message },
    subscription: `projects/local-project/subscriptions/${resourceNames.pushSubscription}`,
  });
}

async function push(h: Harness, body: string, contentType = 'application/json') {
  const response = await fetch(h.pipeline.refundSync.url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const statuses = new Map<string, number>();
const notAnEnvelope = /not a Pub\/Sub push envelope/;
const noData = /push message has no data/;
const noObject = /event has no data.object/;

function pushed(
  name: string,
  body: string,
  detail: RegExp,
  contentType?: string
): BadInput {
  return {
    name,
    path: 'push request',
    async send(h) {
      statuses.set(name, await push(h, body, contentType));
    },
    reason: 'malformed_message',
    detail,
    isMine: (letter) => letter.data.toString('utf8') === body,
  };
}

function published(name: string, data: string | object, detail: RegExp): BadInput {
  // The id refundSync logs is the event's own, when the data has one.
  const ownId = typeof data === 'object' ? (data as { id?: unknown }).id : undefined;
  const eventId =
    typeof ownId === 'string' ? ownId : `evt_bad_${Math.random().toString(36).slice(2, 10)}`;
  const bytes = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return {
    name,
    path: 'events topic',
    async send(h) {
      await h.pipeline.pubsub.topic(resourceNames.topic).publishMessage({
        data: bytes,
        attributes: { event_id: eventId, event_type: 'charge.refunded' },
      });
    },
    reason: 'malformed_event',
    detail,
    eventId,
    isMine: (letter) => letter.attributes.event_id === eventId,
  };
}

function signed(
  name: string,
  change: (charge: Record<string, unknown>) => void,
  reason: string,
  detail: RegExp
): BadInput {
  const event = chargeRefundedEvent();
  change(event.data.object);
  return {
    name,
    path: 'webhook',
    async send(_, sender) {
      statuses.set(name, await sender.deliver(event));
    },
    reason,
    detail,
    eventId: event.id,
    isMine: (letter) => letter.attributes.event_id === event.id,
  };
}

function chargeEvent(change: (charge: Record<string, unknown>) => void) {
  const event = chargeRefundedEvent();
  change(event.data.object);
  return event;
}

// Stripe allows 50 keys of 500 characters; this is 1 MB, twenty times more
// keys than that and each twice as long.
const hugeMetadata = Object.fromEntries(
  Array.from({ length: 1000 }, (_, index) => [`note_${index}`, 'x'.repeat(1000)])
);
const unicodeOrderIds = ['заказ-1001', '订单-42', '🧾-7', 'ｏｒｄｅｒ9', 'order\u200b1', 'ordér-1'];
const describedByLength = (orderId: string) =>
  new RegExp(`not a Moltin order id \\(a string of ${orderId.length} characters\\)`);

const inputs: BadInput[] = [
  pushed('a request that is not a push envelope', '{"hello":"world"}', notAnEnvelope),
  pushed('a push request that is plain text', 'hello, refundSync', notAnEnvelope, 'text/plain'),
  pushed('an envelope without data', pushEnvelope('no-data', {}), noData),
  pushed('an envelope with empty data', pushEnvelope('empty-data', { data: '' }), noData),
  pushed(
    'data that is not base64',
    pushEnvelope('not-base64', { data: '%%% not base64 %%%' }),
    /not base64/
  ),
  published('data that is not JSON', 'this is not JSON {', /message data is not JSON/),
  published('data that is a JSON array', [1, 2, 3], /event is not a JSON object/),
  published(
    'an event without data.object',
    { id: 'evt_no_object', type: 'charge.refunded', data: {} },
    noObject
  ),
  published(
    'a data.object that is a string',
    { id: 'evt_string_object', type: 'charge.refunded', data: { object: 'ch_123' } },
    noObject
  ),
  published(
    'a data.object that is an array',
    { id: 'evt_array_object', type: 'charge.refunded', data: { object: [] } },
    noObject
  ),
  published(
    'a charge whose amount is a string',
    chargeEvent((charge) => (charge.amount = '2000')),
    /charge amount is not an integer/
  ),
  signed(
    'metadata that is null',
    (charge) => (charge.metadata = null),
    'malformed_event',
    /charge metadata is not an object/
  ),
  signed(
    'huge metadata with an order id that is too long',
    (charge) => (charge.metadata = { ...hugeMetadata, order_id: 'o'.repeat(500) }),
    'invalid_order_id',
    /metadata "order_id" is not a Moltin order id/
  ),
  ...unicodeOrderIds.map((orderId) =>
    signed(
      `the unicode order id ${JSON.stringify(orderId)}`,
      (charge) => (charge.metadata = { order_id: orderId }),
      'invalid_order_id',
      describedByLength(orderId)
    )
  ),
];

describe('bad input at the subscriber', () => {
  let harness: Harness;
  let sender: Sender;
  let deadLetters: DeadLetterWatch;
  let applied: Map<string, number>;
  let refundSyncPid: number | undefined;
  let invalidJsonStatus = 0;
  const good = { huge: chargeRefundedEvent(), after: chargeRefundedEvent() };
  const goodOrders: string[] = [];

  beforeAll(async () => {
    harness = await startHarness();
    sender = new Sender(harness);
    deadLetters = watchDeadLetters(harness);
    applied = countAppliedRefunds(harness.moltin);
    refundSyncPid = harness.pipeline.refundSync.process.pid;

    for (const input of inputs) await input.send(harness, sender);
    // A body that is not JSON at all never reaches the handler.
    invalidJsonStatus = await push(harness, '{"message": {', 'application/json');

    // Huge metadata around a good order id is applied like any other event.
    for (const event of [good.huge, good.after]) {
      const { orderId } = harness.moltin.addOrder({ reference: event.data.object.id as string });
      goodOrders.push(orderId);
      const around = event === good.huge ? hugeMetadata : {};
      event.data.object.metadata = { ...around, order_id: orderId };
    }
    expect(await sender.deliver(good.huge)).toBe(200);

    await waitFor(
      'a dead letter for every bad input',
      async () => inputs.every((input) => deadLetters.letters.some(input.isMine)),
      60_000,
      100
    );
    // Still serving afterwards.
    expect(await sender.deliver(good.after)).toBe(200);
    const goodApplied = async () => goodOrders.every((id) => applied.get(id) === 1);
    await waitFor('the good events applied', goodApplied, 30_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, 120_000);

  afterAll(async () => {
    await deadLetters?.stop();
    await harness?.stop();
  });

  const eachInput = it.each(inputs.map((input) => [input.name, input] as const));

  eachInput('%s: dead-lettered with its reason', (_, input) => {
    const letters = deadLetters.letters.filter(input.isMine);

    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.attributes.dead_letter_reason).toBe(input.reason);
    expect(letter.attributes.dead_letter_detail).toMatch(input.detail);
    const detailBytes = Buffer.byteLength(letter.attributes.dead_letter_detail, 'utf8');
    expect(detailBytes).toBeLessThanOrEqual(attributeLimitBytes);
    expect(letter.attributes.dead_lettered_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    if (input.path !== 'push request') expect(statuses.get(input.name) ?? 200).toBe(200);
  });

  eachInput('%s: the reason is logged', (_, input) => {
    const lines = refundSyncEntries(harness).filter(
      (entry) =>
        entry.reason === input.reason &&
        String(entry.message).startsWith(`${decision.deadLettered} (${input.reason})`) &&
        input.detail.test(String(entry.message)) &&
        (input.eventId === undefined || entry.event_id === input.eventId)
    );

    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.every((entry) => entry.severity === 'ERROR')).toBe(true);
  });

  it('keeps the raw request body as the data of a request it could not read', () => {
    const [letter] = deadLetters.letters.filter(inputs[0].isMine);
    expect(letter.data.toString('utf8')).toBe('{"hello":"world"}');

    const [withoutData] = deadLetters.letters.filter(inputs[2].isMine);
    expect(withoutData.attributes).toMatchObject({
      event_id: 'evt_no-data',
      source_message_id: 'no-data',
      source_subscription: `projects/local-project/subscriptions/${resourceNames.pushSubscription}`,
    });
  });

  it('describes a unicode order id by its length, never echoing it', () => {
    const details = unicodeOrderIds.map((orderId) => {
      const named = JSON.stringify(orderId);
      const input = inputs.find((candidate) => candidate.name.includes(named)) as BadInput;
      return deadLetters.letters.find(input.isMine)?.attributes.dead_letter_detail ?? '';
    });
    details.forEach((detail, index) => {
      expect(detail).toContain(`(a string of ${unicodeOrderIds[index].length} characters)`);
      expect(detail).not.toContain(unicodeOrderIds[index]);
    });
  });

  it('refuses a body that is not JSON before the handler, without harm', () => {
    expect(invalidJsonStatus).toBe(400);
  });

  it('never crashed: one process served everything, and good events still apply', () => {
    expect(harness.pipeline.refundSync.process.exitCode).toBeNull();
    expect(harness.pipeline.refundSync.process.pid).toBe(refundSyncPid);
    expect(goodOrders.map((id) => applied.get(id))).toEqual([1, 1]);
    expect(deadLetters.letters).toHaveLength(inputs.length);
  });

  it('logs no secret, signature, token or customer detail', () => {
    expect(findLeaks(harness, { signatures: sender.signatures })).toEqual([]);
  });

  afterAll(() => {
    const reasons = new Map<string, number>();
    for (const letter of deadLetters.letters) {
      const reason = letter.attributes.dead_letter_reason ?? 'none';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const lost = inputs.filter((input) => !deadLetters.letters.some(input.isMine)).length;
    const sentBy = (path: BadInput['path']) => inputs.filter((input) => input.path === path).length;

    printFigures('bad input', [
      ['bad inputs sent', inputs.length],
      ['  as push requests', sentBy('push request')],
      ['  through the events topic', sentBy('events topic')],
      ['  through the webhook', sentBy('webhook')],
      ['dead-lettered with a logged reason', deadLetters.letters.length],
      ...[...reasons].map(([reason, count]): [string, number] => [`  ${reason}`, count]),
      ['good events applied around them', goodOrders.filter((id) => applied.get(id) === 1).length],
      ['non-JSON body answered', invalidJsonStatus],
      ['refundSync restarts', harness.pipeline.refundSync.process.pid === refundSyncPid ? 0 : 1],
      ['lost', lost],
    ], {
      deliveries: inputs.length + goodOrders.length + 1,
      applied: goodOrders.filter((id) => applied.get(id) === 1).length,
      deadLettered: deadLetters.letters.length,
      rejected: invalidJsonStatus === 400 ? 1 : 0,
      refused: 0,
      duplicatesSuppressed: 0,
      lost,
    });
  });
});
