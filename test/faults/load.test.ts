/**
 * Load: 2,000 signed deliveries in parallel through the real webhook,
 * Pub/Sub emulator and subscriber, with duplicates of earlier events and
 * forged signatures mixed in. Every fully refunded event is applied exactly
 * once; every forged one is refused and published nowhere.
 */
import type { Message, Subscription } from '@google-cloud/pubsub';

import { chargeRefundedEvent } from '../../local/events';
import { resourceNames } from '../../local/pipeline';
import { waitFor } from '../../local/ports';
import { startHarness, type Harness } from '../support/harness';
import {
  countAppliedRefunds,
  decision,
  findLeaks,
  inParallel,
  printFigures,
  refundSyncEntries,
  Sender,
  suppressedDuplicates,
  watchDeadLetters,
  type DeadLetterWatch,
} from './support/kit';

const deliveries = 2000;
// Every tenth delivery repeats an earlier event, every twentieth is forged.
const duplicateEvery = 10;
const forgedEvery = 20;
// A tenth of the events are partial refunds, which must change nothing.
const partialEvery = 10;
const concurrency = 100;

type Kind = 'original' | 'duplicate' | 'forged';

// The decisions that end the handling of a delivery in this test.
const finalDecisions = new Set<string>([
  decision.refunded,
  decision.alreadyRefunded,
  decision.partialRefund,
]);
const isFinal = (entry: Record<string, unknown>) => finalDecisions.has(String(entry.message));

interface Delivery {
  kind: Kind;
  event: ReturnType<typeof chargeRefundedEvent>;
  orderId: string;
  partial: boolean;
  status?: number;
}

/** A small deterministic generator, so a failing run can be repeated. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('2,000 deliveries in parallel', () => {
  let harness: Harness;
  let sender: Sender;
  let applied: Map<string, number>;
  let deadLetters: DeadLetterWatch;
  let audit: Subscription;
  const published = new Map<string, Set<string>>();
  const plan: Delivery[] = [];
  let elapsedMs = 0;

  beforeAll(async () => {
    harness = await startHarness();
    sender = new Sender(harness);
    applied = countAppliedRefunds(harness.moltin);
    deadLetters = watchDeadLetters(harness);

    // Everything the webhook publishes, seen from a subscription of our own.
    [audit] = await harness.pipeline.pubsub
      .topic(resourceNames.topic)
      .createSubscription('load-audit');
    audit.on('message', (message: Message) => {
      const ids = published.get(message.attributes.event_id) ?? new Set<string>();
      ids.add(message.id);
      published.set(message.attributes.event_id, ids);
      message.ack();
    });

    const random = seededRandom(4242);
    const originals: Delivery[] = [];
    for (let index = 0; index < deliveries; index++) {
      if (index % forgedEvery === forgedEvery - 1) {
        plan.push({ ...newEvent(harness, false), kind: 'forged' });
      } else if (index % duplicateEvery === duplicateEvery / 2 && originals.length > 0) {
        const original = originals[Math.floor(random() * originals.length)];
        plan.push({ ...original, kind: 'duplicate', status: undefined });
      } else {
        const partial = originals.length % partialEvery === partialEvery - 1;
        const original: Delivery = { ...newEvent(harness, partial), kind: 'original' };
        originals.push(original);
        plan.push(original);
      }
    }

    const started = Date.now();
    await inParallel(plan, concurrency, async (delivery) => {
      delivery.status = await sender.deliver(
        delivery.event,
        delivery.kind === 'forged' ? 'whsec_forged_by_someone_else' : undefined
      );
    });

    // Done when every message the webhook published has had its decision.
    const publishedIds = () =>
      harness.logs.flatMap((line) =>
        line.source === 'stripeWebhook' && line.entry?.message === 'event published'
          ? [String(line.entry.message_id)]
          : []
      );
    const ends = (entry: Record<string, unknown>) =>
      isFinal(entry) || String(entry.message).startsWith(decision.deadLettered);
    await waitFor(
      'every published event decided',
      async () => {
        const decided = new Set(
          refundSyncEntries(harness)
            .filter(ends)
            .map((entry) => String(entry.message_id))
        );
        return publishedIds().every((id) => decided.has(id));
      },
      180_000,
      500
    );
    elapsedMs = Date.now() - started;
    // Long enough for a stray redelivery to show up.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }, 240_000);

  afterAll(async () => {
    await audit?.close();
    await deadLetters?.stop();
    await harness?.stop();
  });

  function newEvent(h: Harness, partial: boolean) {
    const event = chargeRefundedEvent(partial ? { amount: 2000, amountRefunded: 500 } : {});
    const { orderId } = h.moltin.addOrder({ reference: event.data.object.id as string });
    event.data.object.metadata = { order_id: orderId };
    return { event, orderId, partial };
  }

  const of = (kind: Kind) => plan.filter((delivery) => delivery.kind === kind);

  it('answers 200 to every signed delivery and 400 to every forged one', () => {
    expect(plan).toHaveLength(deliveries);
    expect(of('duplicate').length).toBe(deliveries / duplicateEvery);
    expect(of('forged').length).toBe(deliveries / forgedEvery);

    expect(of('original').concat(of('duplicate')).filter((d) => d.status !== 200)).toEqual([]);
    expect(of('forged').filter((d) => d.status !== 400)).toEqual([]);
  });

  it('publishes every signed delivery and nothing forged', () => {
    for (const delivery of of('forged')) expect(published.has(delivery.event.id)).toBe(false);

    const signed = of('original').length + of('duplicate').length;
    const messages = [...published.values()].reduce((sum, ids) => sum + ids.size, 0);
    expect(messages).toBe(signed);
  });

  it('applies every fully refunded event exactly once and nothing else', () => {
    const full = of('original').filter((delivery) => !delivery.partial);
    const wrong = full.filter((delivery) => applied.get(delivery.orderId) !== 1);
    expect(wrong.map((delivery) => [delivery.event.id, applied.get(delivery.orderId)])).toEqual([]);

    const untouched = [...of('forged'), ...of('original').filter((delivery) => delivery.partial)];
    expect(untouched.filter((delivery) => applied.has(delivery.orderId))).toEqual([]);
    expect(deadLetters.letters).toHaveLength(0);
  });

  it('loses nothing: each signed delivery got exactly one decision', () => {
    const decisions = refundSyncEntries(harness).filter(isFinal);
    const decided = new Map<string, number>();
    for (const entry of decisions) {
      decided.set(String(entry.event_id), (decided.get(String(entry.event_id)) ?? 0) + 1);
    }
    const sent = new Map<string, number>();
    for (const delivery of [...of('original'), ...of('duplicate')]) {
      sent.set(delivery.event.id, (sent.get(delivery.event.id) ?? 0) + 1);
    }

    const mismatched = [...sent].filter(([eventId, times]) => decided.get(eventId) !== times);
    expect(mismatched).toEqual([]);
    expect(decisions).toHaveLength(of('original').length + of('duplicate').length);
  });

  it('logs no secret, signature, token or customer detail', () => {
    expect(findLeaks(harness, { signatures: sender.signatures })).toEqual([]);
  });

  afterAll(() => {
    const full = of('original').filter((delivery) => !delivery.partial);
    const decisions = refundSyncEntries(harness);
    const count = (message: string) =>
      decisions.filter((entry) => entry.message === message).length;
    const decidedEvents = new Set(decisions.filter(isFinal).map((entry) => entry.event_id));
    const lost = of('original').filter((delivery) => !decidedEvents.has(delivery.event.id)).length;
    const appliedTotal = [...applied.values()].reduce((sum, n) => sum + n, 0);

    printFigures('load', [
      ['deliveries sent', plan.length],
      ['  of which duplicates of earlier events', of('duplicate').length],
      ['  of which forged signatures', of('forged').length],
      ['distinct signed events', of('original').length],
      ['  fully refunded', full.length],
      ['  partial refunds (left alone)', of('original').length - full.length],
      ['rejected with 400', plan.filter((d) => d.status === 400).length],
      ['answered 200', plan.filter((d) => d.status === 200).length],
      ['refunds applied in Moltin', appliedTotal],
      ['transaction marked refunded (log lines)', count(decision.refunded)],
      ['  already refunded (log lines)', count(decision.alreadyRefunded)],
      ['duplicate deliveries suppressed', suppressedDuplicates(harness, appliedTotal)],
      ['dead-lettered', deadLetters.letters.length],
      ['lost', lost],
      ['seconds, first delivery to last decision', (elapsedMs / 1000).toFixed(1)],
    ], {
      deliveries: plan.length,
      applied: appliedTotal,
      deadLettered: deadLetters.letters.length,
      rejected: plan.filter((d) => d.status === 400).length,
      refused: plan.filter((d) => d.status === 503).length,
      duplicatesSuppressed: suppressedDuplicates(harness, appliedTotal),
      lost,
    });
  });
});
