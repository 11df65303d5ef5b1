/**
 * The dead letters one run of the CLI holds: pulled, kept leased while the
 * run works on them, and handed back the moment the run is done with them.
 * Nothing is acknowledged except through `acknowledge`.
 */
import type { DeadLetter } from './letter';
import type { DeadLetterQueue } from './pubsub';

/** How long each lease lasts, and how often it is renewed while held. */
const leaseSeconds = 60;
const renewEveryMs = 20_000;

// Pub/Sub returns at most this many messages per pull.
const pullBatch = 1000;

export interface Collected {
  letters: DeadLetter[];
  /** True when the limit stopped the pulling before the subscription ran dry. */
  truncated: boolean;
}

export class HeldLetters {
  private readonly held = new Map<string, DeadLetter>();
  private renewal?: NodeJS.Timeout;
  private renewing?: Promise<void>;

  constructor(
    private readonly queue: DeadLetterQueue,
    private readonly warn: (line: string) => void
  ) {}

  /** Letters still held. */
  get count(): number {
    return this.held.size;
  }

  /**
   * Pulls until the subscription has nothing more for this run or `limit`
   * letters are held, and returns them oldest first.
   */
  async collect(limit: number): Promise<Collected> {
    this.startRenewal();
    let truncated = false;

    while (this.held.size < limit) {
      const pulled = await this.queue.pull(Math.min(pullBatch, limit - this.held.size));
      const fresh: DeadLetter[] = [];
      for (const letter of pulled) {
        // A letter seen again (its lease lapsed) keeps its place; only its
        // newest ack id is valid.
        if (!this.held.has(letter.messageId)) fresh.push(letter);
        this.held.set(letter.messageId, letter);
      }
      if (pulled.length > 0) {
        await this.queue.setLease(pulled.map((letter) => letter.ackId), leaseSeconds);
      }
      if (fresh.length === 0) break;
      truncated = this.held.size >= limit;
    }

    // The letters beyond the limit, if the last pull brought any, go back.
    const letters = [...this.held.values()].sort(byAge);
    const beyond = letters.splice(limit);
    await this.release(beyond);
    return { letters, truncated: truncated || beyond.length > 0 };
  }

  /** Acknowledges letters this run has dealt with; they leave the subscription. */
  async acknowledge(letters: DeadLetter[]): Promise<void> {
    const current = letters.map((letter) => this.held.get(letter.messageId) ?? letter);
    // Out of the held set first, so no renewal names an acknowledged letter.
    for (const letter of current) this.held.delete(letter.messageId);
    try {
      await this.queue.acknowledge(current.map((letter) => letter.ackId));
    } catch (error) {
      for (const letter of current) this.held.set(letter.messageId, letter);
      throw error;
    }
  }

  /** Hands letters back at once (lease 0) for anyone to pull again. */
  async release(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const current = letters.map((letter) => this.held.get(letter.messageId) ?? letter);
    for (const letter of letters) this.held.delete(letter.messageId);
    await this.queue.setLease(current.map((letter) => letter.ackId), 0);
  }

  /** Hands back everything still held; warns rather than throws. */
  async releaseAll(): Promise<void> {
    this.stopRenewal();
    await this.renewing;
    const remaining = [...this.held.values()];
    try {
      await this.release(remaining);
    } catch (error) {
      this.warn(
        `${remaining.length} dead letter(s) could not be handed back and stay leased ` +
          `for up to ${leaseSeconds} s: ${describe(error)}`
      );
    }
  }

  private startRenewal(): void {
    if (this.renewal) return;
    this.renewal = setInterval(() => {
      const ackIds = [...this.held.values()].map((letter) => letter.ackId);
      if (ackIds.length === 0 || this.renewing) return;
      this.renewing = this.queue
        .setLease(ackIds, leaseSeconds)
        .catch((error: unknown) => this.warn(`could not renew leases: ${describe(error)}`))
        .finally(() => (this.renewing = undefined));
    }, renewEveryMs);
    this.renewal.unref();
  }

  private stopRenewal(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function byAge(a: DeadLetter, b: DeadLetter): number {
  return (a.publishedAt?.getTime() ?? 0) - (b.publishedAt?.getTime() ?? 0);
}
