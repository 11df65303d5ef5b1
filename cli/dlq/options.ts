/**
 * The command line and the environment the CLI reads, checked before
 * anything is contacted.
 */
import { parseArgs } from 'node:util';

import type { CommandOptions } from './commands';
import { CliError } from './errors';
import type { QueueSettings } from './pubsub';

export type CommandName = 'list' | 'show' | 'replay' | 'purge';

export interface Invocation {
  command: CommandName;
  options: CommandOptions;
  queue: QueueSettings;
}

/** The names `infra/` and `npm start` give the subscription and the topic. */
export const defaults = {
  subscription: 'stripe-events-dead-letter-inspect',
  topic: 'stripe-events',
  orderIdKey: 'order_id',
  listLimit: 100,
  runLimit: 10_000,
} as const;

export const usage = `Usage: sync-stripe-dlq <command> [options]   (or: npm run dlq -- <command>)

Commands:
  list                     the dead letters waiting, oldest first
  show <id...>             dead letters in full, by message id or Stripe event id
  replay <id...> | --all   republish to the events topic, then acknowledge
  purge <id...> | --all    acknowledge without replaying (asks first)

Options:
  --subscription NAME      dead-letter pull subscription
                           (env DEAD_LETTER_SUBSCRIPTION, default ${defaults.subscription})
  --topic NAME             events topic replays go to
                           (env PUBSUB_TOPIC, default ${defaults.topic})
  --project ID             Google Cloud project (env GOOGLE_CLOUD_PROJECT)
  --limit N                look at no more than N dead letters (default
                           ${defaults.listLimit} for list and show, ${defaults.runLimit} otherwise)
  --json                   list, show: print JSON
  --unmasked               show: print email, name, address and phone as they are
  --dry-run                replay, purge: say what would happen, change nothing
  --yes, -y                purge: do not ask for confirmation
  --help, -h               this text

Environment: PUBSUB_EMULATOR_HOST (talk to the emulator), ORDER_ID_METADATA_KEY
(the charge metadata key holding the order id, default ${defaults.orderIdKey}).
Exit status: 0 done, 1 something was not done (see the summary), 2 could not run.`;

type Env = Record<string, string | undefined>;

const commandNames: readonly CommandName[] = ['list', 'show', 'replay', 'purge'];

// The options each command accepts beyond the shared ones.
const commandFlags: Record<CommandName, readonly string[]> = {
  list: ['json'],
  show: ['json', 'unmasked'],
  replay: ['all', 'dry-run'],
  purge: ['all', 'dry-run', 'yes'],
};

function usageError(problem: string): CliError {
  return new CliError(`${problem} (see --help)`);
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw usageError(`${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  }
  return parsed;
}

function setting(flag: string | undefined, env: Env, name: string, fallback?: string) {
  return flag?.trim() || env[name]?.trim() || fallback;
}

/** Returns what to run, or 'help'; throws CliError on a mistake. */
export function parseInvocation(argv: string[], env: Env): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        subscription: { type: 'string' },
        topic: { type: 'string' },
        project: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        unmasked: { type: 'boolean' },
        all: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';

  const [name, ...ids] = positionals;
  if (name === undefined) throw usageError('no command given');
  if (!commandNames.includes(name as CommandName)) {
    throw usageError(`unknown command ${JSON.stringify(name)}; use ${commandNames.join(', ')}`);
  }
  const command = name as CommandName;

  for (const flag of ['json', 'unmasked', 'all', 'dry-run', 'yes'] as const) {
    if (values[flag] && !commandFlags[command].includes(flag)) {
      throw usageError(`--${flag} does not apply to ${command}`);
    }
  }
  if (command === 'list' && ids.length > 0) throw usageError('list takes no ids');
  if (command === 'show' && ids.length === 0) {
    throw usageError('show needs a message id or event id');
  }
  if ((command === 'replay' || command === 'purge') && (ids.length > 0) === Boolean(values.all)) {
    throw usageError(`${command} needs either ids or --all, not both`);
  }

  const projectId = setting(values.project, env, 'GOOGLE_CLOUD_PROJECT');
  if (!projectId) {
    throw new CliError(
      'GOOGLE_CLOUD_PROJECT is not set: set it to the project that holds the ' +
        'dead-letter subscription (or pass --project)'
    );
  }

  const fallbackLimit =
    command === 'list' || command === 'show' ? defaults.listLimit : defaults.runLimit;
  return {
    command,
    options: {
      ids,
      all: Boolean(values.all),
      limit: positiveInteger(values.limit, '--limit') ?? fallbackLimit,
      json: Boolean(values.json),
      unmasked: Boolean(values.unmasked),
      dryRun: Boolean(values['dry-run']),
      yes: Boolean(values.yes),
      orderIdKey: setting(undefined, env, 'ORDER_ID_METADATA_KEY', defaults.orderIdKey) as string,
    },
    queue: {
      projectId,
      subscription: setting(
        values.subscription,
        env,
        'DEAD_LETTER_SUBSCRIPTION',
        defaults.subscription
      ) as string,
      topic: setting(values.topic, env, 'PUBSUB_TOPIC', defaults.topic) as string,
      emulatorHost: env.PUBSUB_EMULATOR_HOST?.trim() || undefined,
    },
  };
}
