/**
 * Moltin misbehaving in every way the subscriber must survive: server
 * errors, rate limiting, answers slower than the timeout, dropped
 * connections, and a token that expires mid-run. Each event ends applied
 * exactly once, or on the dead-letter topic with its reason; none vanish.
 */
import { chargeRefundedEvent } from '../../local/events';
import type { Fault, RecordedCall } from '../../local/moltin-sandbox';
import { waitFor } from '../../local/ports';
import { startHarness, type Harness } from '../support/harness';
import {
  countAppliedRefunds,
  countDecisions,
  decision,
  findLeaks,
  printFigures,
  Sender,
  suppressedDuplicates,
  watchDeadLetters,
  type DeadLetterWatch,
} from './support/kit';

// refundSync gives up on a Moltin call after this long.
const requestTimeoutMs = 1500;
const slowerThanTimeoutMs = 4000;

type Outcome = { applied: true } | { applied: false; reason: string };

interface FaultCase {
  name: string;
  /** Picks the fault for a call about this case's order, given all such calls so far. */
  fault: (call: RecordedCall, calls: RecordedCall[]) => Fault | undefined;
  outcome: Outcome;
  /** No order in Moltin at all. */
  noOrder?: boolean;
}

const isListing = (call: RecordedCall) => call.method === 'GET';
const isRefund = (call: RecordedCall) => call.method === 'POST' && call.path.endsWith('/refund');

/** Returns whether `call` is the n-th (from 1) of its kind among `calls`. */
function nth(call: RecordedCall, calls: RecordedCall[], n: number, kind: (c: RecordedCall) => boolean) {
  return kind(call) && calls.filter(kind).length === n;
}

const cases: FaultCase[] = [
  {
    name: '500 and 502, then served',
    fault: (_, calls) => (calls.length <= 2 ? { status: calls.length === 1 ? 500 : 502 } : undefined),
    outcome: { applied: true },
  },
  {
    name: '503 on every call',
    fault: () => ({ status: 503 }),
    outcome: { applied: false, reason: 'pubsub_max_delivery_attempts' },
  },
  {
    name: 'one 429 with Retry-After',
    fault: (call, calls) => (nth(call, calls, 1, isListing) ? { status: 429, retryAfterSeconds: 1 } : undefined),
    outcome: { applied: true },
  },
  {
    name: 'two 429s with Retry-After',
    fault: (call, calls) =>
      isListing(call) && calls.filter(isListing).length <= 2 ? { status: 429, retryAfterSeconds: 1 } : undefined,
    outcome: { applied: true },
  },
  {
    name: 'listing slower than the timeout',
    fault: (call, calls) => (nth(call, calls, 1, isListing) ? { delayMs: slowerThanTimeoutMs } : undefined),
    outcome: { applied: true },
  },
  {
    name: 'refund slower than the timeout, applied by Moltin all the same',
    fault: (call, calls) => (nth(call, calls, 1, isRefund) ? { delayMs: slowerThanTimeoutMs } : undefined),
    outcome: { applied: true },
  },
  {
    name: 'connection reset on the listing',
    fault: (call, calls) => (nth(call, calls, 1, isListing) ? { reset: true } : undefined),
    outcome: { applied: true },
  },
  {
    name: 'connection reset on the refund',
    fault: (call, calls) => (nth(call, calls, 1, isRefund) ? { reset: true } : undefined),
    outcome: { applied: true },
  },
  {
    name: 'refund refused by Moltin',
    fault: (call) =>
      isRefund(call)
        ? { status: 422, body: { errors: [{ status: 422, title: 'Unprocessable Entity', detail: 'Transaction cannot be refunded' }] } }
        : undefined,
    outcome: { applied: false, reason: 'refund_rejected' },
  },
  {
    name: 'order missing from Moltin',
    fault: () => undefined,
    noOrder: true,
    outcome: { applied: false, reason: 'order_not_found' },
  },
];

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

interface Running {
  fault: FaultCase;
  event: ReturnType<typeof chargeRefundedEvent>;
  orderId: string;
  calls: RecordedCall[];
  faultsInjected: number;
}

describe('Moltin faults', () => {
  let harness: Harness;
  let sender: Sender;
  let applied: Map<string, number>;
  let deadLetters: DeadLetterWatch;
  const running: Running[] = [];
  const tokenCases: Running[] = [];
  let tokensBeforeExpiry = 0;
  let tokensAfterExpiry = 0;

  function start(fault: FaultCase): Running {
    const event = chargeRefundedEvent();
    const orderId = fault.noOrder
      ? crypto.randomUUID()
      : harness.moltin.addOrder({ reference: event.data.object.id as string }).orderId;
    event.data.object.metadata = { order_id: orderId };
    const run: Running = { fault, event, orderId, calls: [], faultsInjected: 0 };

    harness.moltin.injectFault((call) => {
      if (!call.path.includes(orderId)) return undefined;
      run.calls.push(call);
      const chosen = fault.fault(call, run.calls);
      if (chosen) run.faultsInjected += 1;
      return chosen;
    });
    return run;
  }

  const isSettled = (run: Running) =>
    run.fault.outcome.applied
      ? (applied.get(run.orderId) ?? 0) > 0 &&
        countDecisions(harness, run.event.id, decision.refunded) +
          countDecisions(harness, run.event.id, decision.alreadyRefunded) > 0
      : deadLetters.forEvent(run.event.id).length > 0;

  beforeAll(async () => {
    harness = await startHarness({ env: { REQUEST_TIMEOUT_MS: String(requestTimeoutMs) } });
    sender = new Sender(harness);
    applied = countAppliedRefunds(harness.moltin);
    deadLetters = watchDeadLetters(harness);

    running.push(...cases.map(start));

    // The event that fails every time goes first, alone: the emulator
    // (0.8.20) sometimes stops redelivering a message that keeps failing
    // while others on the subscription are failing and retried too, and it
    // then never reaches its dead-letter topic. Pub/Sub has no such habit.
    const [failingAlways, others] = partition(running, (run) => run.fault.name === '503 on every call');
    for (const run of failingAlways) expect(await sender.deliver(run.event)).toBe(200);
    await waitFor('the always failing event dead-lettered', async () => failingAlways.every(isSettled), 60_000, 100);

    const statuses = await Promise.all(others.map((run) => sender.deliver(run.event)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    await waitFor('every faulted event settled', async () => running.every(isSettled), 90_000, 200).catch(
      (error: Error) => {
        const unsettled = running.filter((run) => !isSettled(run)).map((run) => run.fault.name);
        throw new Error(`${error.message}; unsettled: ${unsettled.join('; ')}`);
      }
    );

    // A token that expires while the process holds it: Moltin answers 401.
    tokensBeforeExpiry = harness.moltin.tokensIssued.length;
    harness.moltin.expireTokens();
    const expired = start({ name: 'token expired mid-run', fault: () => undefined, outcome: { applied: true } });
    tokenCases.push(expired);
    expect(await sender.deliver(expired.event)).toBe(200);
    await waitFor('the event after the token expired', async () => isSettled(expired), 30_000, 100);
    tokensAfterExpiry = harness.moltin.tokensIssued.length;

    // Expired again, and the token endpoint fails once when asked for a new one.
    harness.moltin.expireTokens();
    let tokenFailures = 0;
    const removeTokenFault = harness.moltin.injectFault((call) =>
      call.path === '/oauth/access_token' && tokenFailures++ === 0 ? { status: 500 } : undefined
    );
    const refused = start({
      name: 'token expired and its renewal failed once',
      fault: () => undefined,
      outcome: { applied: true },
    });
    tokenCases.push(refused);
    expect(await sender.deliver(refused.event)).toBe(200);
    await waitFor('the event after the token renewal failed', async () => isSettled(refused), 30_000, 100);
    removeTokenFault();

    // Long enough for a second application or a stray redelivery to show.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }, 180_000);

  afterAll(async () => {
    await deadLetters?.stop();
    await harness?.stop();
  });

  const everyCase = () => [...running, ...tokenCases];
  const retries = (run: Running) => countDecisions(harness, run.event.id, decision.retry);

  it.each(cases.map((fault) => [fault.name, fault] as const))('%s: ends as expected, once', (_, fault) => {
    const run = running.find((candidate) => candidate.fault === fault) as Running;
    const letters = deadLetters.forEvent(run.event.id);

    if (fault.outcome.applied) {
      expect(applied.get(run.orderId)).toBe(1);
      expect(letters).toHaveLength(0);
      const transaction = harness.moltin.orders.get(run.orderId)?.[0];
      expect(transaction?.refunded_amount).toBe(transaction?.amount);
    } else {
      expect(applied.get(run.orderId)).toBeUndefined();
      expect(letters).toHaveLength(1);
      const [letter] = letters;
      if (fault.outcome.reason === 'pubsub_max_delivery_attempts') {
        expect(Number(letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount)).toBeGreaterThanOrEqual(5);
        expect(retries(run)).toBeGreaterThanOrEqual(5);
      } else {
        expect(letter.attributes.dead_letter_reason).toBe(fault.outcome.reason);
        expect(letter.attributes.dead_letter_detail).toMatch(/Moltin/);
      }
      expect(JSON.parse(letter.data.toString()).id).toBe(run.event.id);
    }
    // Whatever happened, no refund call ever carried an amount.
    const refunds = run.calls.filter(isRefund);
    expect(refunds.every((call) => JSON.parse(call.body || '{}').data?.amount === undefined)).toBe(true);
  });

  it('retries through Pub/Sub after 5xx, timeouts, resets and repeated 429s', () => {
    const retried = [
      '500 and 502, then served',
      'listing slower than the timeout',
      'connection reset on the listing',
      'connection reset on the refund',
      'two 429s with Retry-After',
    ];
    const notRetried = running.filter((run) => retried.includes(run.fault.name) && retries(run) === 0);

    expect(notRetried.map((run) => run.fault.name)).toEqual([]);
  });

  it('applies a refund Moltin made after the timeout once, and recognises it later', () => {
    const run = running.find((candidate) => candidate.fault.name.startsWith('refund slower')) as Running;
    const decided = [decision.refunded, decision.alreadyRefunded].map((line) =>
      countDecisions(harness, run.event.id, line)
    );

    expect(retries(run)).toBeGreaterThanOrEqual(1);
    // Either the redelivery saw the refund done, or its own refund call came
    // first and the late one was refused as already refunded.
    expect(decided[1] === 1 || run.calls.filter(isRefund).length >= 2).toBe(true);
    expect(applied.get(run.orderId)).toBe(1);
  });

  it('lets the Moltin SDK absorb a single 429 inside one delivery', () => {
    const run = running.find((candidate) => candidate.fault.name === 'one 429 with Retry-After') as Running;
    const listings = run.calls.filter(isListing);

    expect(retries(run)).toBe(0);
    expect(listings.length).toBe(2);
  });

  it('renews an expired token inside the same delivery', () => {
    const [expired, refused] = tokenCases;

    expect(retries(expired)).toBe(0);
    expect(tokensAfterExpiry).toBe(tokensBeforeExpiry + 1);
    expect(expired.calls[0].authorization).not.toBe(expired.calls[1].authorization);
    // A failed renewal is transient: the next delivery gets a token.
    expect(retries(refused)).toBeGreaterThanOrEqual(1);
    expect(applied.get(refused.orderId)).toBe(1);
  });

  it('logs no secret, signature, token or customer detail', () => {
    expect(findLeaks(harness, { signatures: sender.signatures })).toEqual([]);
  });

  afterAll(() => {
    const all = everyCase();
    const settled = all.filter((run) =>
      run.fault.outcome.applied ? applied.get(run.orderId) === 1 : deadLetters.forEvent(run.event.id).length === 1
    );
    const oneRetry = running.find((candidate) => candidate.fault.name === 'one 429 with Retry-After');
    const gap = oneRetry && oneRetry.calls.length >= 2 ? oneRetry.calls[1].at - oneRetry.calls[0].at : NaN;
    const reasons = [...new Set(deadLetters.letters.map((letter) =>
      letter.attributes.dead_letter_reason ??
      `pubsub dead-letter policy (${letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount} attempts)`
    ))];

    printFigures('Moltin faults', [
      ['events sent', all.length],
      ['faults injected', all.reduce((sum, run) => sum + run.faultsInjected, 0)],
      ['applied exactly once', all.filter((run) => run.fault.outcome.applied && applied.get(run.orderId) === 1).length],
      ['dead-lettered with a reason', deadLetters.letters.length],
      ['  reasons', reasons.join(', ')],
      ['redeliveries asked of Pub/Sub (503s)', all.reduce((sum, run) => sum + retries(run), 0)],
      ['SDK retry after a 429, ms (Retry-After was 1000)', gap],
      ['tokens issued', harness.moltin.tokensIssued.length],
      ['lost', all.length - settled.length],
    ], {
      deliveries: all.length,
      applied: all.filter((run) => applied.get(run.orderId) === 1).length,
      deadLettered: deadLetters.letters.length,
      rejected: 0,
      refused: 0,
      duplicatesSuppressed: suppressedDuplicates(harness, [...applied.values()].reduce((sum, n) => sum + n, 0)),
      lost: all.length - settled.length,
    });
  });
});
