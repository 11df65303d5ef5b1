#!/usr/bin/env node
/**
 * sync-stripe-dlq: inspect, replay and purge the events refundSync could not
 * apply, from the dead-letter pull subscription.
 */
import * as readline from 'node:readline';

import * as commands from './dlq/commands';
import { exitCode, type Io } from './dlq/commands';
import { CliError } from './dlq/errors';
import { parseInvocation, usage } from './dlq/options';
import { openQueue, type DeadLetterQueue, type QueueSettings } from './dlq/pubsub';

export interface MainDependencies {
  openQueue?: (settings: QueueSettings) => Promise<DeadLetterQueue>;
  signal?: AbortSignal;
}

/** Runs the CLI and resolves with its exit status. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Io,
  deps: MainDependencies = {}
): Promise<number> {
  let queue: DeadLetterQueue | undefined;
  try {
    const invocation = parseInvocation(argv, env);
    if (invocation === 'help') {
      io.out(usage);
      return exitCode.ok;
    }

    queue = await (deps.openQueue ?? openQueue)(invocation.queue);
    const options = { ...invocation.options, signal: deps.signal };
    return await commands[invocation.command](queue, options, io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(`sync-stripe-dlq: ${error.message}`);
    return error.exitCode;
  } finally {
    await queue?.close().catch(() => undefined);
  }
}

/** Asks on stderr and reads one line of stdin; no line, or Ctrl-C, counts as no. */
function confirmOnStdin(question: string, interrupted: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    const answer = (yes: boolean) => {
      if (answered) return;
      answered = true;
      prompt.close();
      resolve(yes);
    };
    prompt.on('SIGINT', () => answer(false));
    interrupted.addEventListener('abort', () => answer(false), { once: true });
    prompt.on('close', () => answer(false));
    prompt.question(question, (line) => answer(/^\s*y(es)?\s*$/i.test(line)));
  });
}

function processIo(interrupted: AbortSignal): Io {
  // A reader that goes away (`| head`) must not end the run before it has
  // handed its letters back: the rest of the output is dropped instead.
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });

  return {
    out: (line) => {
      if (!readerGone) process.stdout.write(`${line}\n`);
    },
    err: (line) => process.stderr.write(`${line}\n`),
    confirm: (question) => confirmOnStdin(question, interrupted),
    now: () => new Date(),
  };
}

if (require.main === module) {
  // The first Ctrl-C stops between letters and hands the rest back; a second
  // one ends the process at once.
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: handing the remaining dead letters back\n');
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const io = processIo(interrupt.signal);
  main(process.argv.slice(2), process.env, io, { signal: interrupt.signal })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(`sync-stripe-dlq: unexpected failure: ${String(error)}\n`);
      process.exitCode = exitCode.failed;
    });
}
