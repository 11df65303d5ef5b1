/**
 * What the fault suite uses on top of the integration harness: counting what
 * Moltin really applied, watching the dead-letter topic, sending deliveries
 * in parallel, reading refundSync's decisions from its log lines, checking
 * the logs for leaks, and printing the figures.
 */
import * as fs from 'node:fs';

import type { Message, Subscription } from '@google-cloud/pubsub';

import { signedDelivery } from '../../../local/events';
import type { MoltinSandbox, RecordedCall } from '../../../local/moltin-sandbox';
import { resourceNames } from '../../../local/pipeline';
import { secrets, type Harness } from '../../support/harness';

/** refundSync's log messages that end the handling of one delivery. */
export const decision = {
  refunded: 'transaction marked refunded in Moltin',
  alreadyRefunded: 'already refunded in Moltin: nothing to do',
  partialRefund: 'ignored: charge is not fully refunded',
  retry: 'transient failure, Pub/Sub will retry',
  deadLettered: 'dead-lettered',
} as const;

type Entry = Record<string, unknown>;

/** Returns refundSync's log entries, optionally only those about one event. */
export function refundSyncEntries(harness: Harness, eventId?: string): Entry[] {
  return harness.logs.flatMap((line) =>
    line.source === 'refundSync' &&
    line.entry !== undefined &&
    (eventId === undefined || line.entry.event_id === eventId)
      ? [line.entry]
      : []
  );
}

/**
 * Returns how many deliveries were decided without applying anything because
 * Moltin already had the refund: every refunded or already-refunded decision
 * beyond the refunds Moltin really applied, so the figure holds whatever a
 * log line claims.
 */
export function suppressedDuplicates(harness: Harness, appliedRefunds: number): number {
  const decided = refundSyncEntries(harness).filter(
    (entry) => entry.message === decision.refunded || entry.message === decision.alreadyRefunded
  ).length;
  return decided - appliedRefunds;
}

/** Returns how many of an event's log lines start with `message`. */
export function countDecisions(harness: Harness, eventId: string, message: string): number {
  return refundSyncEntries(harness, eventId).filter((entry) =>
    String(entry.message).startsWith(message)
  ).length;
}

const refundPath = /^\/v2\/orders\/([^/]+)\/transactions\/[^/]+\/refund$/;

/**
 * Counts, per order, the refund calls Moltin carried out (answered 200): the
 * number of times a customer's refund was really applied. The sandbox
 * records what it was asked, not what it answered, so its router is wrapped.
 */
export function countAppliedRefunds(moltin: MoltinSandbox): Map<string, number> {
  const applied = new Map<string, number>();
  const sandbox = moltin as unknown as { route(call: RecordedCall): [number, unknown] };
  const route = sandbox.route.bind(moltin);

  sandbox.route = (call) => {
    const answer = route(call);
    const refund = refundPath.exec(call.path);
    if (call.method === 'POST' && refund && answer[0] === 200) {
      const orderId = decodeURIComponent(refund[1]);
      applied.set(orderId, (applied.get(orderId) ?? 0) + 1);
    }
    return answer;
  };
  return applied;
}

/** Dead letters as they arrive, acknowledged, by event id. */
export interface DeadLetterWatch {
  letters: Message[];
  forEvent(eventId: string): Message[];
  stop(): Promise<void>;
}

/** Starts collecting every message that reaches the dead-letter subscription. */
export function watchDeadLetters(harness: Harness): DeadLetterWatch {
  const letters: Message[] = [];
  let subscription: Subscription | undefined = harness.pipeline.pubsub.subscription(
    resourceNames.deadLetterSubscription
  );
  subscription.on('message', (message: Message) => {
    letters.push(message);
    message.ack();
  });
  subscription.on('error', () => undefined);

  return {
    letters,
    forEvent: (eventId) => letters.filter((letter) => letter.attributes.event_id === eventId),
    async stop() {
      await subscription?.close();
      subscription = undefined;
    },
  };
}

/** Runs `task` over `items`, `concurrency` at a time, and returns the results in order. */
export async function inParallel<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Sends signed deliveries and remembers every signature it sent. */
export class Sender {
  readonly signatures: string[] = [];

  constructor(private readonly harness: Harness) {}

  async deliver(event: unknown, secret = secrets.webhook): Promise<number> {
    const { body, signature } = signedDelivery(event, secret);
    this.signatures.push(signature);
    const response = await this.harness.post(body, { 'stripe-signature': signature });
    await response.arrayBuffer();
    return response.status;
  }
}

/** The customer details every sample event carries. */
export const customer = {
  email: 'jenny.rosen@example.com',
  name: 'Jenny Rosen',
  phone: '+15555550123',
} as const;

/**
 * Returns the log lines that hold a secret, a signature, a token or a
 * customer detail; a clean run returns none.
 */
export function findLeaks(
  harness: Harness,
  extra: { signatures?: string[]; label?: string } = {}
): string[] {
  const forbidden: [string, string][] = [
    ['webhook secret', secrets.webhook],
    ['Stripe secret key', secrets.stripeKey],
    ['Moltin client secret', secrets.moltinClientSecret],
    ['customer email', customer.email],
    ['customer name', customer.name],
    ['customer phone', customer.phone],
    ...harness.moltin.tokensIssued.map((token): [string, string] => ['Moltin token', token]),
  ];
  for (const signature of extra.signatures ?? []) {
    forbidden.push(['Stripe-Signature header', signature]);
    // The v1 HMAC alone, should a line carry only that part.
    for (const part of signature.split(',')) {
      if (part.startsWith('v1=')) forbidden.push(['Stripe signature', part.slice(3)]);
    }
  }

  const leaks: string[] = [];
  for (const line of harness.logs) {
    for (const [what, value] of forbidden) {
      if (line.raw.includes(value)) {
        leaks.push(`${what} in a ${line.source} line: ${line.raw.slice(0, 200)}`);
      }
    }
  }
  return leaks;
}

/** The figures every part of the fault suite reports, summed at the end of a run. */
export interface FaultTotals {
  deliveries: number;
  applied: number;
  deadLettered: number;
  rejected: number;
  refused: number;
  duplicatesSuppressed: number;
  lost: number;
}

/**
 * Prints a titled block of figures, aligned, so it stands out in CI output,
 * and leaves the totals for the suite's reporter (`npm run test:faults`).
 */
export function printFigures(
  title: string,
  figures: [string, number | string][],
  totals: FaultTotals
): void {
  const width = Math.max(...figures.map(([name]) => name.length));
  const lines = figures.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
  console.log([`fault suite, ${title}:`, ...lines].join('\n'));

  const dir = process.env.FAULT_FIGURES_DIR;
  if (dir && fs.existsSync(dir)) {
    const file = `${title.replace(/[^A-Za-z0-9]+/g, '-')}.json`;
    fs.writeFileSync(`${dir}/${file}`, JSON.stringify({ title, ...totals }));
  }
}

/**
 * Returns the ids of the processes of the emulator serving `port`: its
 * launcher and the JVM, found by the port on their command lines.
 */
export function emulatorProcessIds(port: number): number[] {
  const ids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.includes(`--port=${port}`) && args.some((arg) => arg.includes('pubsub-emulator'))) {
      ids.push(Number(name));
    }
  }
  return ids;
}

/** Freezes the emulator on `port` (it keeps its state but answers nothing); returns the thaw. */
export function freezeEmulator(port: number): () => void {
  const ids = emulatorProcessIds(port);
  if (ids.length === 0) throw new Error(`no emulator process serves port ${port}`);
  for (const id of ids) process.kill(id, 'SIGSTOP');
  return () => {
    for (const id of ids) {
      try {
        process.kill(id, 'SIGCONT');
      } catch {
        // Already gone.
      }
    }
  };
}
