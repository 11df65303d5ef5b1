/**
 * The four commands. Each pulls what it needs, acts only on the letters it
 * was asked about, and hands every other letter back before it returns.
 */
import { CliError } from './errors';
import {
  showJson,
  showLetter,
  summaryJson,
  summaryTable,
} from './format';
import { HeldLetters } from './held';
import { eventAttribute } from '../../functions/shared/message';
import { matchesId, replayAttributes, summarize, type DeadLetter } from './letter';
import type { DeadLetterQueue } from './pubsub';

/** Where the commands write, ask and tell the time. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Asks a yes/no question; resolves false unless the answer is yes. */
  confirm(question: string): Promise<boolean>;
  now(): Date;
}

export interface CommandOptions {
  ids: string[];
  all: boolean;
  limit: number;
  json: boolean;
  unmasked: boolean;
  dryRun: boolean;
  yes: boolean;
  orderIdKey: string;
  /** Aborted on Ctrl-C: the run stops between letters and hands back the rest. */
  signal?: AbortSignal;
}

/** Exit codes: everything done, something not done, could not run at all. */
export const exitCode = { ok: 0, incomplete: 1, failed: 2 } as const;

// A replay or purge this long says how far it has got.
const progressEvery = 100;
// Letters acknowledged per request by purge.
const purgeBatch = 100;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function label(letter: DeadLetter, orderIdKey: string): string {
  const summary = summarize(letter, orderIdKey);
  const parts = [summary.eventId, summary.eventType, summary.reason].filter(Boolean);
  return `${letter.messageId} (${parts.join(', ')})`;
}

/**
 * Returns why a letter cannot be replayed, if it cannot: the push
 * subscription only delivers messages whose event_type says charge.refunded,
 * so a copy without one would be dropped on the way and never applied.
 */
function whyNotReplayable(letter: DeadLetter): string | undefined {
  if (letter.attributes[eventAttribute.eventType]) return undefined;
  return (
    'it has no event_type attribute, so the push subscription would drop its copy; ' +
    'look at it with show, then purge it'
  );
}

/** Returns the letters the ids name (every letter with `all`) and the ids that named none. */
function select(letters: DeadLetter[], options: CommandOptions) {
  if (options.all) return { chosen: letters, missing: [] as string[] };
  const chosen = letters.filter((letter) => options.ids.some((id) => matchesId(letter, id)));
  const missing = options.ids.filter((id) => !letters.some((letter) => matchesId(letter, id)));
  return { chosen, missing };
}

function reportMissing(missing: string[], held: number, truncated: boolean, io: Io): void {
  if (missing.length === 0) return;
  const scope = truncated ? `the first ${held} (raise --limit to look further)` : `all ${held}`;
  for (const id of missing) io.err(`no dead letter matches ${id} among ${scope}`);
}

/** Runs a command with the letters it holds handed back whatever happens. */
async function holding<T>(
  queue: DeadLetterQueue,
  io: Io,
  run: (held: HeldLetters) => Promise<T>
): Promise<T> {
  const held = new HeldLetters(queue, io.err);
  try {
    return await run(held);
  } finally {
    await held.releaseAll();
  }
}

/** Prints the dead letters waiting, oldest first. */
export function list(queue: DeadLetterQueue, options: CommandOptions, io: Io): Promise<number> {
  return holding(queue, io, async (held) => {
    const { letters, truncated } = await held.collect(options.limit);
    const now = io.now();
    const summaries = letters.map((letter) => summarize(letter, options.orderIdKey));

    if (options.json) {
      io.out(JSON.stringify(summaries.map((summary) => summaryJson(summary, now)), null, 2));
    } else if (summaries.length === 0) {
      io.out(`no dead letters on ${queue.subscription}`);
    } else {
      for (const line of summaryTable(summaries, now)) io.out(line);
      const more = truncated ? ` (the first ${options.limit}; more may be waiting)` : '';
      io.out(`${summaries.length} dead letter(s) on ${queue.subscription}${more}`);
    }
    return exitCode.ok;
  });
}

/** Prints the dead letters the ids name, in full, personal details masked. */
export function show(queue: DeadLetterQueue, options: CommandOptions, io: Io): Promise<number> {
  return holding(queue, io, async (held) => {
    const { letters, truncated } = await held.collect(options.limit);
    const { chosen, missing } = select(letters, options);
    const now = io.now();
    const view = { unmasked: options.unmasked, now };

    if (options.json) {
      const shown = chosen.map((letter) =>
        showJson(letter, summarize(letter, options.orderIdKey), view)
      );
      io.out(JSON.stringify(shown, null, 2));
    } else {
      chosen.forEach((letter, index) => {
        if (index > 0) io.out('');
        for (const line of showLetter(letter, summarize(letter, options.orderIdKey), view)) {
          io.out(line);
        }
      });
    }
    reportMissing(missing, letters.length, truncated, io);
    return missing.length === 0 ? exitCode.ok : exitCode.incomplete;
  });
}

/**
 * Republishes dead letters to the events topic, marked as replays, and
 * acknowledges each only once Pub/Sub has accepted its copy.
 */
export function replay(queue: DeadLetterQueue, options: CommandOptions, io: Io): Promise<number> {
  return holding(queue, io, async (held) => {
    const { letters, truncated } = await held.collect(options.limit);
    const { chosen, missing } = select(letters, options);
    reportMissing(missing, letters.length, truncated, io);

    if (options.dryRun) {
      let replayable = 0;
      for (const letter of chosen) {
        const problem = whyNotReplayable(letter);
        if (problem === undefined) replayable += 1;
        io.out(
          problem === undefined
            ? `would replay ${label(letter, options.orderIdKey)}`
            : `would not replay ${label(letter, options.orderIdKey)}: ${problem}`
        );
      }
      io.out(
        `dry run: ${replayable} of ${chosen.length} dead letter(s) would be republished to ` +
          `${queue.topic} with a replayed_at attribute; nothing was published or acknowledged`
      );
      const complete = replayable === chosen.length && missing.length === 0;
      return complete ? exitCode.ok : exitCode.incomplete;
    }

    let replayed = 0;
    const failures: string[] = [];
    let stopped: string | undefined;
    for (const [index, letter] of chosen.entries()) {
      if (options.signal?.aborted) {
        stopped = 'interrupted';
        break;
      }
      if (chosen.length > progressEvery && index > 0 && index % progressEvery === 0) {
        io.err(`replay: ${index}/${chosen.length} done, ${failures.length} failed`);
      }
      const problem = whyNotReplayable(letter);
      if (problem !== undefined) {
        failures.push(`not replayed ${label(letter, options.orderIdKey)}: ${problem}`);
        continue;
      }

      let copyId: string;
      try {
        copyId = await queue.publish(letter.data, replayAttributes(letter.attributes, io.now()));
      } catch (error) {
        failures.push(`not replayed ${label(letter, options.orderIdKey)}: ${describe(error)}`);
        if (error instanceof CliError && error.affectsEveryMessage) {
          stopped = describe(error);
          break;
        }
        continue;
      }

      try {
        await held.acknowledge([letter]);
        replayed += 1;
      } catch (error) {
        // Replaying it again later is harmless: an applied refund is
        // recognised and left alone.
        failures.push(
          `replayed ${label(letter, options.orderIdKey)} as ${copyId}, but the dead letter ` +
            `was not acknowledged and will be listed again: ${describe(error)}`
        );
      }

    }

    for (const failure of failures) io.out(failure);
    const attempted = replayed + failures.length;
    if (stopped !== undefined) {
      io.out(
        `stopped (${stopped}): ${chosen.length - attempted} dead letter(s) were not tried ` +
          'and are back on the subscription'
      );
    }
    io.out(`replayed ${replayed} of ${chosen.length} dead letter(s) to ${queue.topic}`);
    const complete = replayed === chosen.length && missing.length === 0;
    return complete ? exitCode.ok : exitCode.incomplete;
  });
}

/** Acknowledges dead letters without replaying them, once the operator agrees. */
export function purge(queue: DeadLetterQueue, options: CommandOptions, io: Io): Promise<number> {
  return holding(queue, io, async (held) => {
    const { letters, truncated } = await held.collect(options.limit);
    const { chosen, missing } = select(letters, options);
    reportMissing(missing, letters.length, truncated, io);

    if (chosen.length === 0) {
      io.out('nothing to purge');
      return missing.length === 0 ? exitCode.ok : exitCode.incomplete;
    }
    if (options.dryRun) {
      for (const letter of chosen) io.out(`would purge ${label(letter, options.orderIdKey)}`);
      io.out(`dry run: ${chosen.length} dead letter(s) would be purged; nothing was acknowledged`);
      return missing.length === 0 ? exitCode.ok : exitCode.incomplete;
    }
    if (!options.yes) {
      const agreed = await io.confirm(
        `Acknowledge ${chosen.length} dead letter(s) on ${queue.subscription} without ` +
          'replaying them? They cannot be recovered afterwards. [y/N] '
      );
      if (!agreed) {
        io.out('nothing purged');
        return exitCode.incomplete;
      }
    }

    let purged = 0;
    let stopped: string | undefined;
    const failures: string[] = [];
    for (let start = 0; start < chosen.length; start += purgeBatch) {
      if (options.signal?.aborted) {
        stopped = 'interrupted';
        break;
      }
      const batch = chosen.slice(start, start + purgeBatch);
      try {
        await held.acknowledge(batch);
        purged += batch.length;
      } catch (error) {
        failures.push(`${batch.length} dead letter(s) not purged: ${describe(error)}`);
        if (error instanceof CliError && error.affectsEveryMessage) {
          stopped = describe(error);
          break;
        }
      }
      if (chosen.length > progressEvery && purged > 0 && purged % progressEvery === 0) {
        io.err(`purge: ${purged}/${chosen.length} done`);
      }
    }

    for (const failure of failures) io.out(failure);
    if (stopped !== undefined) {
      io.out(`stopped (${stopped}); the rest are back on the subscription`);
    }
    io.out(`purged ${purged} of ${chosen.length} dead letter(s) from ${queue.subscription}`);
    return purged === chosen.length && missing.length === 0 ? exitCode.ok : exitCode.incomplete;
  });
}
