/**
 * The dead-letter CLI's parts: the command line, what a dead letter says,
 * masking, printing, error messages, and the commands' rule that nothing is
 * acknowledged before it was dealt with, against an in-memory subscription.
 */
import {
  exitCode,
  list,
  purge,
  replay,
  show,
  type CommandOptions,
  type Io,
} from '../../cli/dlq/commands';
import { CliError, explainPubSubFailure } from '../../cli/dlq/errors';
import { formatAge, summaryTable } from '../../cli/dlq/format';
import { replayAttributes, summarize, type DeadLetter } from '../../cli/dlq/letter';
import { maskPersonalData, masked } from '../../cli/dlq/mask';
import { defaults, parseInvocation } from '../../cli/dlq/options';
import type { DeadLetterQueue } from '../../cli/dlq/pubsub';
import { main } from '../../cli/dlq';
import { chargeRefundedEvent } from '../../local/events';

const env = { GOOGLE_CLOUD_PROJECT: 'test-project' };

function eventLetter(messageId: string, attributes: Record<string, string> = {}) {
  const event = chargeRefundedEvent({ metadata: { order_id: `order-${messageId}` } });
  const letter: DeadLetter = {
    messageId,
    ackId: `ack-${messageId}`,
    data: Buffer.from(JSON.stringify(event)),
    attributes: {
      event_id: event.id,
      event_type: event.type,
      livemode: 'false',
      dead_letter_reason: 'order_not_found',
      dead_letter_detail: 'Moltin listing transactions failed: 404',
      dead_lettered_at: '2026-01-01T00:00:00.000Z',
      source_message_id: `source-${messageId}`,
      source_subscription: 'projects/test-project/subscriptions/stripe-events-refund-sync',
      ...attributes,
    },
    publishedAt: new Date('2026-01-01T00:00:00.000Z'),
  };
  return { event, letter };
}

/**
 * A subscription in memory with Pub/Sub's lease rules: a pulled message is
 * not pulled again until its lease is set to 0 or it is acknowledged, and an
 * ack id stops working once its message has gone.
 */
class MemoryQueue implements DeadLetterQueue {
  readonly subscription = 'projects/test-project/subscriptions/stripe-events-dead-letter-inspect';
  readonly topic = 'projects/test-project/topics/stripe-events';
  readonly waiting = new Map<string, DeadLetter>();
  readonly leased = new Map<string, DeadLetter>();
  readonly published: { data: Buffer; attributes: Record<string, string> }[] = [];
  readonly log: string[] = [];
  publishFailure?: (attempt: number) => Error | undefined;
  acknowledgeFailure?: Error;
  private publishes = 0;

  constructor(letters: DeadLetter[]) {
    for (const letter of letters) this.waiting.set(letter.ackId, letter);
  }

  get remaining(): DeadLetter[] {
    return [...this.waiting.values(), ...this.leased.values()];
  }

  async pull(max: number): Promise<DeadLetter[]> {
    const pulled = [...this.waiting.values()].slice(0, max);
    for (const letter of pulled) {
      this.waiting.delete(letter.ackId);
      this.leased.set(letter.ackId, letter);
    }
    this.log.push(`pull ${pulled.length}`);
    return pulled;
  }

  async acknowledge(ackIds: string[]): Promise<void> {
    if (this.acknowledgeFailure) throw this.acknowledgeFailure;
    for (const ackId of ackIds) {
      if (!this.leased.delete(ackId)) throw new Error(`unknown ack id ${ackId}`);
      this.log.push(`ack ${ackId}`);
    }
  }

  async setLease(ackIds: string[], seconds: number): Promise<void> {
    if (seconds > 0) return;
    for (const ackId of ackIds) {
      const letter = this.leased.get(ackId);
      if (!letter) throw new Error(`unknown ack id ${ackId}`);
      this.leased.delete(ackId);
      this.waiting.set(ackId, letter);
      this.log.push(`release ${ackId}`);
    }
  }

  async publish(data: Buffer, attributes: Record<string, string>): Promise<string> {
    this.publishes += 1;
    const failure = this.publishFailure?.(this.publishes);
    if (failure) throw failure;
    this.published.push({ data, attributes });
    this.log.push(`publish ${attributes.event_id ?? '?'}`);
    return `copy-${this.publishes}`;
  }

  async close(): Promise<void> {}
}

function recordingIo(answer = false) {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const io: Io = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    confirm: async (question) => {
      questions.push(question);
      return answer;
    },
    now: () => new Date('2026-01-01T02:30:00.000Z'),
  };
  return { io, out, err, questions };
}

function options(overrides: Partial<CommandOptions> = {}): CommandOptions {
  return {
    ids: [],
    all: false,
    limit: 100,
    json: false,
    unmasked: false,
    dryRun: false,
    yes: false,
    orderIdKey: 'order_id',
    ...overrides,
  };
}

describe('the command line', () => {
  it('needs GOOGLE_CLOUD_PROJECT and names it', () => {
    expect(() => parseInvocation(['list'], {})).toThrow(/GOOGLE_CLOUD_PROJECT is not set/);
  });

  it('takes names from flags first, then the environment, then the defaults', () => {
    const fromDefaults = parseInvocation(['list'], env);
    const fromEnv = parseInvocation(['list'], {
      ...env,
      DEAD_LETTER_SUBSCRIPTION: 'env-sub',
      PUBSUB_TOPIC: 'env-topic',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
    });
    const fromFlags = parseInvocation(
      ['list', '--subscription', 'flag-sub', '--topic', 'flag-topic'],
      { ...env, DEAD_LETTER_SUBSCRIPTION: 'env-sub', PUBSUB_TOPIC: 'env-topic' }
    );

    expect(fromDefaults).toMatchObject({
      queue: {
        subscription: defaults.subscription,
        topic: defaults.topic,
        emulatorHost: undefined,
      },
      options: { limit: defaults.listLimit },
    });
    expect(fromEnv).toMatchObject({
      queue: { subscription: 'env-sub', topic: 'env-topic', emulatorHost: '127.0.0.1:8085' },
    });
    expect(fromFlags).toMatchObject({ queue: { subscription: 'flag-sub', topic: 'flag-topic' } });
  });

  it.each([
    [['replay'], /either ids or --all/],
    [['replay', 'abc', '--all'], /either ids or --all/],
    [['purge'], /either ids or --all/],
    [['show'], /show needs/],
    [['list', 'abc'], /list takes no ids/],
    [['list', '--unmasked'], /--unmasked does not apply to list/],
    [['replay', '--all', '--yes'], /--yes does not apply to replay/],
    [['list', '--limit', '0'], /--limit must be a positive whole number/],
    [['list', '--bogus'], /Unknown option/],
    [['frobnicate'], /unknown command/],
    [[], /no command given/],
  ])('refuses %j', (argv, problem) => {
    expect(() => parseInvocation(argv, env)).toThrow(problem);
  });

  it('gives replay and purge a larger default limit than list', () => {
    const run = parseInvocation(['replay', '--all'], env);
    expect(run).toMatchObject({
      command: 'replay',
      options: { all: true, limit: defaults.runLimit },
    });
  });

  it('prints usage for --help and exits 2 on a mistake, contacting nothing', async () => {
    const openQueue = jest.fn();
    const help = recordingIo();
    const wrong = recordingIo();

    expect(await main(['--help'], {}, help.io, { openQueue })).toBe(exitCode.ok);
    expect(await main(['list'], {}, wrong.io, { openQueue })).toBe(exitCode.failed);

    expect(help.out.join('\n')).toMatch(/Usage: sync-stripe-dlq/);
    expect(wrong.err.join('\n')).toMatch(/GOOGLE_CLOUD_PROJECT/);
    expect(openQueue).not.toHaveBeenCalled();
  });
});

describe('what a dead letter says', () => {
  it('reads the ids and the reason refundSync gave', () => {
    const { event, letter } = eventLetter('7');

    expect(summarize(letter)).toEqual({
      messageId: '7',
      eventId: event.id,
      eventType: 'charge.refunded',
      orderId: 'order-7',
      chargeId: event.data.object.id,
      reason: 'order_not_found',
      detail: 'Moltin listing transactions failed: 404',
      deliveryCount: undefined,
      deadLetteredAt: new Date('2026-01-01T00:00:00.000Z'),
      replayedAt: undefined,
    });
  });

  it("explains a letter Pub/Sub's dead-letter policy forwarded", () => {
    const { letter } = eventLetter('8');
    for (const name of ['dead_letter_reason', 'dead_letter_detail', 'dead_lettered_at']) {
      delete letter.attributes[name];
    }
    letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount = '5';
    letter.attributes.CloudPubSubDeadLetterSourceSubscription = 'stripe-events-refund-sync';

    const summary = summarize(letter);

    expect(summary.reason).toBe('delivery_attempts_exhausted');
    expect(summary.deliveryCount).toBe(5);
    expect(summary.detail).toMatch(/5 delivery attempts from stripe-events-refund-sync/);
    expect(summary.deadLetteredAt).toEqual(letter.publishedAt);
  });

  it('reads what it can of data that is not an event', () => {
    const letter: DeadLetter = {
      messageId: '9',
      ackId: 'ack-9',
      data: Buffer.from('not json at all'),
      attributes: { dead_letter_reason: 'malformed_message' },
    };

    expect(summarize(letter)).toMatchObject({
      messageId: '9',
      eventId: undefined,
      orderId: undefined,
      chargeId: undefined,
      reason: 'malformed_message',
    });
  });

  it('reads the order id under the configured metadata key', () => {
    const event = chargeRefundedEvent({ metadata: { moltin_order: 'order-under-other-key' } });
    const letter: DeadLetter = {
      messageId: '1',
      ackId: 'a',
      data: Buffer.from(JSON.stringify(event)),
      attributes: {},
    };

    expect(summarize(letter).orderId).toBeUndefined();
    expect(summarize(letter, 'moltin_order').orderId).toBe('order-under-other-key');
  });

  it('republishes the event attributes without the dead-letter ones, marked as a replay', () => {
    const { letter } = eventLetter('10', {
      CloudPubSubDeadLetterSourceDeliveryCount: '5',
      CloudPubSubDeadLetterSourceSubscription: 'stripe-events-refund-sync',
      CloudPubSubDeadLetterSourceSubscriptionProject: 'test-project',
      CloudPubSubDeadLetterSourceTopicPublishTime: '2026-01-01T00:00:00Z',
      CloudPubSubDeadLetterSourceSomethingNew: 'x',
      account: 'acct_123',
    });
    const at = new Date('2026-02-03T04:05:06.000Z');

    expect(replayAttributes(letter.attributes, at)).toEqual({
      event_id: letter.attributes.event_id,
      event_type: 'charge.refunded',
      livemode: 'false',
      account: 'acct_123',
      replayed_at: '2026-02-03T04:05:06.000Z',
    });
  });
});

describe('masking', () => {
  it("hides the customer's email, name, address and phone at any depth", () => {
    const event = chargeRefundedEvent();
    const charge = event.data.object as Record<string, unknown>;
    charge.shipping = {
      name: 'Jenny Rosen',
      phone: '+15555550123',
      address: { line1: '742 Evergreen Terrace' },
    };
    charge.source = { address_line1: '742 Evergreen Terrace', address_zip: '49007' };
    charge.metadata = {
      customer_email: 'jenny@example.com',
      note: 'call jenny@example.com',
      order_id: 'o-1',
    };

    const shown = JSON.stringify(maskPersonalData(event));

    for (const secret of ['jenny', 'Jenny', 'Rosen', '5555550123', 'Evergreen', '49007']) {
      expect(shown).not.toContain(secret);
    }
    expect(shown).toContain('"order_id":"o-1"');
    expect(shown).toContain('"last4":"4242"');
    expect(shown).toContain(`"note":"call ${masked}"`);
  });

  it('leaves an absent detail visibly absent', () => {
    expect(maskPersonalData({ email: null, name: '', phone: 'x' })).toEqual({
      email: null,
      name: '',
      phone: masked,
    });
  });
});

describe('printing', () => {
  it('says ages in the largest whole unit', () => {
    const durations = [5_000, 125_000, 3 * 3600_000 + 5, 49 * 3600_000];
    expect(durations.map(formatAge)).toEqual(['5s', '2m', '3h', '2d']);
  });

  it('lines up the table columns', () => {
    const { letter } = eventLetter('11');
    const [header, row] = summaryTable([summarize(letter)], new Date('2026-01-01T02:30:00.000Z'));

    expect(header.indexOf('REASON')).toBe(row.indexOf('order_not_found'));
    expect(row.trimEnd().endsWith('2h')).toBe(true);
  });
});

describe('error messages', () => {
  const action = {
    verb: 'pull from',
    kind: 'subscription',
    name: 'projects/p/subscriptions/s',
  } as const;

  it.each([
    [
      { code: 5, details: 'Subscription does not exist' },
      /subscription projects\/p\/subscriptions\/s does not exist.*PROJECT.*--subscription/,
    ],
    [
      { code: 7, details: 'User not authorized' },
      /no permission to pull from .*roles\/pubsub.subscriber/,
    ],
    [
      { code: 16, details: 'Request had invalid authentication credentials' },
      /no Google credentials/,
    ],
    [
      new Error('Could not load the default credentials. Browse to ...'),
      /no Google credentials.*gcloud auth application-default login/,
    ],
    [{ code: 14, details: 'No connection established' }, /cannot reach Pub\/Sub/],
  ])('explain %j', (error, message) => {
    const explained = explainPubSubFailure(error, action);
    expect(explained).toBeInstanceOf(CliError);
    expect(explained.message).toMatch(message);
    expect(explained.affectsEveryMessage).toBe(true);
  });

  it('names the emulator when it cannot be reached', () => {
    const explained = explainPubSubFailure(
      { code: 14 },
      { ...action, emulatorHost: '127.0.0.1:8085' }
    );
    expect(explained.message).toMatch(
      /emulator at 127.0.0.1:8085 \(PUBSUB_EMULATOR_HOST\): is it running/
    );
  });

  it('names the role a replay needs on the topic', () => {
    const topic = { verb: 'publish to', kind: 'topic', name: 't' } as const;
    const explained = explainPubSubFailure({ code: 7 }, topic);
    expect(explained.message).toMatch(/roles\/pubsub.publisher/);
  });

  it('lets a run go on after a failure that may be about one message', () => {
    const explained = explainPubSubFailure({ code: 3, details: 'too large' }, action);
    expect(explained.affectsEveryMessage).toBe(false);
  });
});

describe('the commands, on a subscription in memory', () => {
  it('list hands every letter back and acknowledges none', async () => {
    const letters = ['1', '2', '3'].map((id) => eventLetter(id).letter);
    const queue = new MemoryQueue(letters);
    const { io, out } = recordingIo();

    expect(await list(queue, options(), io)).toBe(exitCode.ok);

    expect(out).toHaveLength(5);
    expect(out[4]).toMatch(/^3 dead letter\(s\) on /);
    expect(queue.log.filter((entry) => entry.startsWith('ack'))).toEqual([]);
    expect(queue.leased.size).toBe(0);
    expect(queue.waiting.size).toBe(3);
  });

  it('list stops at --limit and says more may be waiting', async () => {
    const queue = new MemoryQueue(['1', '2', '3'].map((id) => eventLetter(id).letter));
    const { io, out } = recordingIo();

    await list(queue, options({ limit: 2 }), io);

    expect(out.at(-1)).toMatch(/2 dead letter\(s\).*the first 2; more may be waiting/);
    expect(queue.leased.size).toBe(0);
  });

  it('show finds a letter by event id and masks it unless asked not to', async () => {
    const { event, letter } = eventLetter('4');
    const queue = new MemoryQueue([letter, eventLetter('5').letter]);
    const masked = recordingIo();
    const unmasked = recordingIo();

    expect(await show(queue, options({ ids: [event.id] }), masked.io)).toBe(exitCode.ok);
    const asIs = options({ ids: [event.id], unmasked: true });
    expect(await show(queue, asIs, unmasked.io)).toBe(exitCode.ok);

    expect(masked.out.join('\n')).toContain(`message 4`);
    expect(masked.out.join('\n')).not.toContain('message 5');
    expect(masked.out.join('\n')).not.toContain('jenny.rosen@example.com');
    expect(unmasked.out.join('\n')).toContain('jenny.rosen@example.com');
    expect(queue.waiting.size).toBe(2);
  });

  it('show exits 1 and says so when an id matches nothing', async () => {
    const queue = new MemoryQueue([eventLetter('6').letter]);
    const { io, err } = recordingIo();

    expect(await show(queue, options({ ids: ['evt_missing'] }), io)).toBe(exitCode.incomplete);
    expect(err).toEqual(['no dead letter matches evt_missing among all 1']);
  });

  it('replay acknowledges a letter only after its copy was published', async () => {
    const letters = ['1', '2'].map((id) => eventLetter(id).letter);
    const queue = new MemoryQueue([...letters, eventLetter('3').letter]);
    const { io, out } = recordingIo();

    expect(await replay(queue, options({ ids: ['1', '2'] }), io)).toBe(exitCode.ok);

    const actions = queue.log.filter((entry) => /^(publish|ack)/.test(entry));
    expect(actions).toEqual([
      `publish ${letters[0].attributes.event_id}`,
      'ack ack-1',
      `publish ${letters[1].attributes.event_id}`,
      'ack ack-2',
    ]);
    expect(queue.published.map((copy) => copy.data)).toEqual(letters.map((letter) => letter.data));
    expect(queue.published[0].attributes.replayed_at).toBe('2026-01-01T02:30:00.000Z');
    expect(queue.published[0].attributes.dead_letter_reason).toBeUndefined();
    expect(queue.remaining.map((letter) => letter.messageId)).toEqual(['3']);
    expect(queue.leased.size).toBe(0);
    expect(out.at(-1)).toMatch(
      /replayed 2 of 2 dead letter\(s\) to projects\/test-project\/topics\/stripe-events/
    );
  });

  it('replay keeps and hands back a letter whose copy was refused, and exits 1', async () => {
    const queue = new MemoryQueue(['1', '2', '3'].map((id) => eventLetter(id).letter));
    const tooLarge = new CliError('Pub/Sub refused: too large', { affectsEveryMessage: false });
    queue.publishFailure = (attempt) => (attempt === 2 ? tooLarge : undefined);
    const { io, out } = recordingIo();

    expect(await replay(queue, options({ all: true }), io)).toBe(exitCode.incomplete);

    expect(queue.remaining.map((letter) => letter.messageId)).toEqual(['2']);
    expect(queue.leased.size).toBe(0);
    expect(out.join('\n')).toMatch(/not replayed 2 \(.*\): Pub\/Sub refused: too large/);
    expect(out.at(-1)).toMatch(/replayed 2 of 3/);
  });

  it('replay stops at a failure every letter would meet, and hands the rest back', async () => {
    const queue = new MemoryQueue(['1', '2', '3'].map((id) => eventLetter(id).letter));
    queue.publishFailure = () => new CliError('topic does not exist');
    const { io, out } = recordingIo();

    expect(await replay(queue, options({ all: true }), io)).toBe(exitCode.incomplete);

    expect(queue.published).toHaveLength(0);
    expect(queue.waiting.size).toBe(3);
    expect(out.join('\n')).toMatch(
      /stopped \(topic does not exist\): 2 dead letter\(s\) were not tried/
    );
  });

  it('replay says when a copy went out but the letter could not be acknowledged', async () => {
    const queue = new MemoryQueue([eventLetter('1').letter]);
    queue.acknowledgeFailure = new Error('ack refused');
    const { io, out } = recordingIo();

    expect(await replay(queue, options({ all: true }), io)).toBe(exitCode.incomplete);

    expect(queue.published).toHaveLength(1);
    expect(out.join('\n')).toMatch(
      /replayed 1 .* as copy-1, but the dead letter was not acknowledged/
    );
    expect(queue.leased.size).toBe(0);
  });

  it('replay refuses a letter the push subscription would drop (no event_type)', async () => {
    const unreadable: DeadLetter = {
      messageId: '9',
      ackId: 'ack-9',
      data: Buffer.from('{"hello":"world"}'),
      attributes: { dead_letter_reason: 'malformed_message' },
    };
    const queue = new MemoryQueue([eventLetter('1').letter, unreadable]);
    const dry = recordingIo();
    const real = recordingIo();

    const dryRun = options({ all: true, dryRun: true });
    expect(await replay(queue, dryRun, dry.io)).toBe(exitCode.incomplete);
    expect(await replay(queue, options({ all: true }), real.io)).toBe(exitCode.incomplete);

    expect(dry.out).toContain(
      'would not replay 9 (malformed_message): it has no event_type attribute, so the ' +
        'push subscription would drop its copy; look at it with show, then purge it'
    );
    expect(queue.published).toHaveLength(1);
    expect(queue.remaining.map((letter) => letter.messageId)).toEqual(['9']);
    expect(real.out.at(-1)).toMatch(/replayed 1 of 2/);
  });

  it('replay --dry-run publishes and acknowledges nothing', async () => {
    const queue = new MemoryQueue(['1', '2'].map((id) => eventLetter(id).letter));
    const { io, out } = recordingIo();

    expect(await replay(queue, options({ all: true, dryRun: true }), io)).toBe(exitCode.ok);

    expect(queue.published).toHaveLength(0);
    expect(queue.waiting.size).toBe(2);
    expect(out.filter((line) => line.startsWith('would replay'))).toHaveLength(2);
  });

  it('replay reports its progress on a long run', async () => {
    const letters = Array.from({ length: 250 }, (_, i) => eventLetter(String(i)).letter);
    const queue = new MemoryQueue(letters);
    const { io, err } = recordingIo();

    expect(await replay(queue, options({ all: true, limit: 1000 }), io)).toBe(exitCode.ok);

    expect(err).toEqual(['replay: 100/250 done, 0 failed', 'replay: 200/250 done, 0 failed']);
    expect(queue.remaining).toHaveLength(0);
  });

  it('replay stops between letters when interrupted', async () => {
    const queue = new MemoryQueue(['1', '2', '3'].map((id) => eventLetter(id).letter));
    const interrupt = new AbortController();
    queue.publishFailure = (attempt) => {
      if (attempt === 1) interrupt.abort();
      return undefined;
    };
    const { io } = recordingIo();

    const run = options({ all: true, signal: interrupt.signal });
    expect(await replay(queue, run, io)).toBe(exitCode.incomplete);

    expect(queue.published).toHaveLength(1);
    expect(queue.waiting.size).toBe(2);
  });

  it('purge asks first and, when the answer is no, acknowledges nothing', async () => {
    const queue = new MemoryQueue(['1', '2'].map((id) => eventLetter(id).letter));
    const { io, out, questions } = recordingIo(false);

    expect(await purge(queue, options({ all: true }), io)).toBe(exitCode.incomplete);

    expect(questions[0]).toMatch(/Acknowledge 2 dead letter\(s\) .* without replaying them\?/);
    expect(out).toEqual(['nothing purged']);
    expect(queue.waiting.size).toBe(2);
  });

  it('purge acknowledges only the letters named once the operator agrees', async () => {
    const queue = new MemoryQueue(['1', '2', '3'].map((id) => eventLetter(id).letter));
    const { io, out } = recordingIo(true);

    expect(await purge(queue, options({ ids: ['1', '3'] }), io)).toBe(exitCode.ok);

    expect(queue.remaining.map((letter) => letter.messageId)).toEqual(['2']);
    expect(queue.published).toHaveLength(0);
    expect(out.at(-1)).toMatch(/purged 2 of 2/);
  });

  it('purge --yes does not ask', async () => {
    const queue = new MemoryQueue([eventLetter('1').letter]);
    const { io, questions } = recordingIo(false);

    expect(await purge(queue, options({ all: true, yes: true }), io)).toBe(exitCode.ok);

    expect(questions).toHaveLength(0);
    expect(queue.remaining).toHaveLength(0);
  });
});
