/**
 * The dead-letter CLI as an operator runs it (the compiled bin, as a child
 * process) against the real pipeline: events dead-lettered by real faults
 * are listed, shown, replayed once the cause is fixed, and purged.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';

import { chargeRefundedEvent } from '../../local/events';
import { repoRoot } from '../../local/pipeline';
import { freePort, waitFor } from '../../local/ports';
import { startHarness, type Harness } from '../support/harness';

const bin = path.join(repoRoot, 'dist/cli/dlq.js');
const refundedLine = 'transaction marked refunded in Moltin';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    input?: string;
    noReader?: boolean;
    /** Sends Ctrl-C's SIGINT once stderr shows this, leaving stdin open. */
    interruptOn?: RegExp;
  } = {}
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // As when piped into a reader that has gone (`| head`): every write fails.
    if (options.noReader) child.stdout.destroy();
    else child.stdout.on('data', (chunk) => (stdout += chunk));
    let interrupted = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!interrupted && options.interruptOn?.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.interruptOn === undefined) child.stdin.end(options.input ?? '');
  });
}

interface Listed {
  message_id: string;
  event_id: string | null;
  event_type: string | null;
  order_id: string | null;
  charge_id: string | null;
  reason: string;
  detail: string | null;
  delivery_count: number | null;
  age_seconds: number | null;
}

describe('the dead-letter CLI against the pipeline', () => {
  let harness: Harness;
  let env: Record<string, string>;
  let cli: (args: string[], input?: string) => Promise<CliRun>;
  let listed: () => Promise<Listed[]>;

  // Dead-lettered by Pub/Sub after Moltin failed every attempt.
  const failing = chargeRefundedEvent();
  let failingOrder: { orderId: string; transactionId: string };
  let removeFault: () => void;
  // Dead-lettered by refundSync: Moltin has no such order (yet).
  const unknown = chargeRefundedEvent();
  const unknownOrderId = randomUUID();
  // Dead-lettered by refundSync and later purged.
  const abandoned = chargeRefundedEvent();

  beforeAll(async () => {
    harness = await startHarness({ maxDeliveryAttempts: 5 });
    env = {
      GOOGLE_CLOUD_PROJECT: harness.pipeline.projectId,
      PUBSUB_EMULATOR_HOST: harness.pipeline.emulator.host,
    };
    cli = (args, input) => runCli(args, { env, input });
    listed = async () => {
      const run = await cli(['list', '--json']);
      expect(run).toMatchObject({ code: 0 });
      return JSON.parse(run.stdout) as Listed[];
    };

    failingOrder = harness.moltin.addOrder({ reference: failing.data.object.id as string });
    failing.data.object.metadata = { order_id: failingOrder.orderId };
    removeFault = harness.moltin.injectFault((call) =>
      call.path.includes(failingOrder.orderId) ? { status: 500 } : undefined
    );
    unknown.data.object.metadata = { order_id: unknownOrderId };
    abandoned.data.object.metadata = { order_id: randomUUID() };

    for (const event of [failing, unknown, abandoned]) {
      expect((await harness.deliver(event)).status).toBe(200);
    }
    const notAnEnvelope = await fetch(harness.pipeline.refundSync.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'not a push request' }),
    });
    expect(notAnEnvelope.status).toBe(200);

    await waitFor('four dead letters', async () => (await listed()).length === 4, 60_000, 500);
  }, 120_000);

  afterAll(async () => {
    removeFault?.();
    await harness?.stop();
  });

  it('lists each dead letter with its ids, reason and delivery count', async () => {
    const letters = await listed();
    const byEvent = new Map(letters.map((letter) => [letter.event_id, letter]));

    expect(byEvent.get(failing.id)).toMatchObject({
      event_type: 'charge.refunded',
      order_id: failingOrder.orderId,
      charge_id: failing.data.object.id,
      reason: 'delivery_attempts_exhausted',
    });
    expect(byEvent.get(failing.id)?.delivery_count).toBeGreaterThanOrEqual(5);
    expect(byEvent.get(unknown.id)).toMatchObject({
      order_id: unknownOrderId,
      charge_id: unknown.data.object.id,
      reason: 'order_not_found',
      delivery_count: null,
    });
    expect(byEvent.get(null)).toMatchObject({ reason: 'malformed_message' });
    expect(letters.every((letter) => (letter.age_seconds ?? -1) >= 0)).toBe(true);
  });

  it('hands every letter back at once, so the next run sees them all', async () => {
    const table = await cli(['list']);
    const again = await cli(['list']);

    expect(table.code).toBe(0);
    const header = [
      ...['MESSAGE ID', 'EVENT ID', 'TYPE', 'ORDER ID'],
      ...['CHARGE ID', 'REASON', 'DELIVERIES', 'AGE'],
    ];
    expect(table.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(header);
    expect(table.stdout).toContain(unknown.id);
    expect(table.stdout).toContain(
      '4 dead letter(s) on projects/local-project/subscriptions/stripe-events-dead-letter-inspect'
    );
    expect(again.stdout).toMatch(/4 dead letter\(s\)/);
  });

  it('hands the letters back even when its reader goes away', async () => {
    const cut = await runCli(['show', failing.id, unknown.id], { env, noReader: true });

    expect(cut.code).toBe(0);
    expect((await listed()).length).toBe(4);
  });

  it('shows a dead letter in full with personal details masked unless asked', async () => {
    const masked = await cli(['show', failing.id]);
    const unmasked = await cli(['show', failing.id, '--unmasked']);

    expect(masked.code).toBe(0);
    expect(masked.stdout).toMatch(/reason: +delivery_attempts_exhausted/);
    expect(masked.stdout).toContain(
      'CloudPubSubDeadLetterSourceSubscription: stripe-events-refund-sync'
    );
    expect(masked.stdout).toContain(`"id": "${failing.id}"`);
    expect(masked.stdout).not.toMatch(/jenny|Jenny|Evergreen|5555550123/);
    expect(unmasked.stdout).toContain('jenny.rosen@example.com');
  });

  it('shows the raw request refundSync could not read', async () => {
    const [letter] = (await listed()).filter((entry) => entry.reason === 'malformed_message');
    const run = await cli(['show', letter.message_id, '--json']);

    const [shown] = JSON.parse(run.stdout);
    expect(shown.data).toEqual({ hello: 'not a push request' });
    expect(shown.detail).toBe('request is not a Pub/Sub push envelope');
  });

  it('changes nothing on a dry run, or when replay cannot publish', async () => {
    const dry = await cli(['replay', '--all', '--dry-run']);
    const noTopic = await cli(['replay', unknown.id, '--topic', 'no-such-topic']);

    // The unreadable request has no event_type: the push subscription would drop it.
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/would not replay \d+ \(malformed_message\): it has no event_type/);
    expect(dry.stdout).toMatch(/dry run: 3 of 4 dead letter\(s\) would be republished/);
    expect(noTopic.code).toBe(1);
    expect(noTopic.stdout).toContain(
      'topic projects/local-project/topics/no-such-topic does not exist'
    );
    expect(noTopic.stdout).toMatch(/replayed 0 of 1/);
    expect((await listed()).length).toBe(4);
  });

  it('replays once the causes are fixed, and each event is applied once', async () => {
    removeFault();
    const unknownOrder = harness.moltin.addOrder(
      { reference: unknown.data.object.id as string },
      unknownOrderId
    );
    const [unknownLetter] = (await listed()).filter((entry) => entry.event_id === unknown.id);

    // One by event id, one by message id, as an operator may copy either.
    const run = await cli(['replay', failing.id, unknownLetter.message_id]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'replayed 2 of 2 dead letter(s) to projects/local-project/topics/stripe-events'
    );
    for (const event of [failing, unknown]) {
      await harness.waitForLog(
        (entry) =>
          entry.event_id === event.id && entry.message === refundedLine && entry.replayed === true
      );
    }
    // Give a second application the time it would need to show up.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const { orderId, transactionId } of [failingOrder, unknownOrder]) {
      const refunds = harness.moltin.refundCalls().filter((call) => call.path.includes(orderId));
      expect(refunds).toHaveLength(1);
      expect(harness.moltin.transaction(orderId, transactionId)?.refunded_amount).toBe(2000);
    }
    for (const event of [failing, unknown]) {
      const refunded = harness.logsFor(event.id).filter((entry) => entry.message === refundedLine);
      expect(refunded).toHaveLength(1);
    }
    const left = await listed();
    expect(left.map((letter) => letter.event_id).sort()).toEqual([abandoned.id, null].sort());
  });

  it('hands the letters back when interrupted at the confirmation', async () => {
    const run = await runCli(['purge', '--all'], { env, interruptOn: /\[y\/N\]/ });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/nothing purged/);
    expect((await listed()).length).toBe(2);
  });

  it('purges only after confirmation', async () => {
    const declined = await cli(['purge', abandoned.id], 'n\n');
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/Acknowledge 1 dead letter\(s\) .* without replaying them\?/);
    expect(declined.stdout).toMatch(/nothing purged/);
    expect((await listed()).length).toBe(2);

    const confirmed = await cli(['purge', abandoned.id], 'y\n');
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toMatch(/purged 1 of 1/);

    const rest = await cli(['purge', '--all', '--yes']);
    expect(rest.stdout).toMatch(/purged 1 of 1/);
    expect(await listed()).toEqual([]);
    expect((await cli(['list'])).stdout).toMatch(/^no dead letters on /);
  });

  it('fails clearly on a missing subscription, no emulator, or no project', async () => {
    const missing = await cli(['list', '--subscription', 'no-such-subscription']);
    const unreachable = await runCli(['list'], {
      env: {
        GOOGLE_CLOUD_PROJECT: 'local-project',
        PUBSUB_EMULATOR_HOST: `127.0.0.1:${await freePort()}`,
      },
    });
    const noProject = await runCli(['list'], {
      env: { GOOGLE_CLOUD_PROJECT: '', PUBSUB_EMULATOR_HOST: harness.pipeline.emulator.host },
    });

    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain(
      'subscription projects/local-project/subscriptions/no-such-subscription ' +
        'does not exist on the emulator'
    );
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      /cannot reach the Pub\/Sub emulator at 127\.0\.0\.1:\d+ \(PUBSUB_EMULATOR_HOST\)/
    );
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toMatch(/GOOGLE_CLOUD_PROJECT is not set/);
  });
});
