/**
 * Pub/Sub unavailable mid-run, two ways. Frozen: the emulator stops
 * answering (SIGSTOP) while deliveries are in flight, then resumes with its
 * state. Stopped: the emulator process ends and a new one starts on the same
 * address. Either way the webhook answers 503, never 2xx, for every event it
 * could not publish, so Stripe delivers it again; afterwards new deliveries
 * succeed and every event is applied exactly once.
 */
import { PubSub } from '@google-cloud/pubsub';

import { startEmulator, type RunningEmulator } from '../../local/emulator';
import { chargeRefundedEvent } from '../../local/events';
import { createResources } from '../../local/pipeline';
import { waitFor } from '../../local/ports';
import { startHarness, type Harness } from '../support/harness';
import {
  countAppliedRefunds,
  findLeaks,
  freezeEmulator,
  inParallel,
  printFigures,
  Sender,
  suppressedDuplicates,
} from './support/kit';

const publishTimeoutMs = 2000;

type Phase = 'before' | 'frozen' | 'stopped' | 'restarted';

interface Sent {
  phase: Phase;
  event: ReturnType<typeof chargeRefundedEvent>;
  orderId: string;
  statuses: number[];
}

describe('Pub/Sub unavailable mid-run', () => {
  let harness: Harness;
  let sender: Sender;
  let applied: Map<string, number>;
  let restarted: RunningEmulator | undefined;
  let admin: PubSub | undefined;
  let thaw: (() => void) | undefined;
  const sent: Sent[] = [];
  let reconnectRefusals = 0;
  let redeliveries = 0;

  function newEvents(phase: Phase, count: number): Sent[] {
    return Array.from({ length: count }, () => {
      const event = chargeRefundedEvent();
      const { orderId } = harness.moltin.addOrder({ reference: event.data.object.id as string });
      event.data.object.metadata = { order_id: orderId };
      const entry = { phase, event, orderId, statuses: [] as number[] };
      sent.push(entry);
      return entry;
    });
  }

  async function deliver(entry: Sent): Promise<number> {
    const status = await sender.deliver(entry.event);
    entry.statuses.push(status);
    return status;
  }

  const accepted = (entry: Sent) => entry.statuses.includes(200);
  const isApplied = (entry: Sent) => applied.get(entry.orderId) === 1;
  const inPhase = (phase: Phase) => sent.filter((entry) => entry.phase === phase);

  /** Stripe's part: deliver again, until answered 2xx, every event that was not. */
  async function redeliverRefused(): Promise<void> {
    await waitFor(
      'every refused event redelivered',
      async () => {
        const pending = sent.filter((entry) => !accepted(entry));
        redeliveries += pending.length;
        await inParallel(pending, 10, deliver);
        return sent.every(accepted);
      },
      60_000,
      250
    );
  }

  async function allAcceptedApplied(what: string): Promise<void> {
    await waitFor(what, async () => sent.filter(accepted).every(isApplied), 60_000, 100);
  }

  beforeAll(async () => {
    harness = await startHarness({ env: { PUBLISH_TIMEOUT_MS: String(publishTimeoutMs) } });
    sender = new Sender(harness);
    applied = countAppliedRefunds(harness.moltin);
    const { emulator, refundSync, projectId } = harness.pipeline;

    await inParallel(newEvents('before', 30), 10, deliver);
    await allAcceptedApplied('the first events applied');

    // Frozen while a stream of deliveries is under way, then thawed.
    const stream = newEvents('frozen', 20);
    const streaming = inParallel(stream, 5, deliver);
    const underWay = async () => stream.some((entry) => entry.statuses.length > 0);
    await waitFor('the stream under way', underWay, 10_000, 5);
    thaw = freezeEmulator(emulator.port);
    await streaming;
    thaw();
    await redeliverRefused();
    await allAcceptedApplied('the frozen stream applied');

    // Stopped once everything accepted has been pushed: the emulator keeps
    // nothing across a restart, where Pub/Sub keeps what it accepted.
    await emulator.stop();
    await inParallel(newEvents('stopped', 30), 10, deliver);

    restarted = await startEmulator({ port: emulator.port });
    admin = new PubSub({ projectId, apiEndpoint: restarted.host });
    await createResources(admin, refundSync.url, {
      maxDeliveryAttempts: 5,
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 2,
    });

    // The webhook's connection comes back on its own; until it does, a
    // delivery is refused like the ones before.
    const [probe] = newEvents('restarted', 1);
    await waitFor(
      'the webhook publishing again',
      async () => {
        const status = await deliver(probe);
        if (status !== 200) reconnectRefusals += 1;
        return status === 200;
      },
      60_000,
      250
    );
    await inParallel(newEvents('restarted', 30), 10, deliver);
    await redeliverRefused();
    await allAcceptedApplied('every event applied');

    // Long enough for a second application to show.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }, 240_000);

  afterAll(async () => {
    thaw?.();
    await harness?.stop();
    await admin?.close();
    await restarted?.stop();
  });

  it('answers 503, never 2xx, to deliveries it cannot publish', () => {
    const frozen = inPhase('frozen').map((entry) => entry.statuses[0]);
    const stopped = inPhase('stopped').map((entry) => entry.statuses[0]);

    expect(frozen.every((status) => status === 200 || status === 503)).toBe(true);
    expect(frozen).toContain(503);
    expect(stopped).toEqual(stopped.map(() => 503));
  });

  it('says in its log why each refused event was not published', () => {
    const failed = harness.logs.flatMap((line) =>
      line.source === 'stripeWebhook' &&
      String(line.entry?.message).startsWith('event not published')
        ? [line.entry as Record<string, unknown>]
        : []
    );
    const refusals = sent.flatMap((entry) => entry.statuses.filter((status) => status === 503));

    expect(failed).toHaveLength(refusals.length);
    for (const entry of failed) {
      expect(entry).toMatchObject({ severity: 'ERROR', event_id: expect.any(String) });
    }
  });

  it('takes new deliveries again once Pub/Sub is back', () => {
    expect(inPhase('restarted').every((entry) => entry.statuses.at(-1) === 200)).toBe(true);
  });

  it('applies every event exactly once, including those Stripe had to redeliver', () => {
    const notOnce = sent.filter((entry) => !isApplied(entry));
    const described = notOnce.map((entry) => [
      entry.phase,
      entry.statuses,
      applied.get(entry.orderId),
    ]);
    expect(described).toEqual([]);
  });

  it('kept both functions running', () => {
    expect(harness.pipeline.webhook.process.exitCode).toBeNull();
    expect(harness.pipeline.refundSync.process.exitCode).toBeNull();
  });

  it('logs no secret, signature, token or customer detail', () => {
    expect(findLeaks(harness, { signatures: sender.signatures })).toEqual([]);
  });

  afterAll(() => {
    const answered = (status: number, phase?: Phase) =>
      sent
        .filter((entry) => phase === undefined || entry.phase === phase)
        .flatMap((entry) => entry.statuses.filter((s) => s === status)).length;
    const deliveries = sent.reduce((sum, entry) => sum + entry.statuses.length, 0);
    const appliedOnce = sent.filter(isApplied).length;
    const suppressed = suppressedDuplicates(harness, appliedOnce);
    const lost = sent.length - appliedOnce;

    printFigures(
      'Pub/Sub outage',
      [
        ['events sent', sent.length],
        ['deliveries, with Stripe-style redeliveries', deliveries],
        ['answered 200', answered(200)],
        ['answered 503 (not published, Stripe retries)', answered(503)],
        ['  while the emulator was frozen', answered(503, 'frozen')],
        ['  while it was stopped', answered(503, 'stopped')],
        ['  while the webhook reconnected', reconnectRefusals],
        ['redeliveries', redeliveries],
        ['applied exactly once', appliedOnce],
        ['duplicate deliveries suppressed', suppressed],
        ['lost', lost],
      ],
      {
        deliveries,
        applied: appliedOnce,
        deadLettered: 0,
        rejected: answered(400),
        refused: answered(503),
        duplicatesSuppressed: suppressed,
        lost,
      }
    );
  });
});
