/**
 * The command line and the environment the secrets CLI reads, checked
 * before anything is contacted.
 */
import { parseArgs } from 'node:util';

import { credentialNames } from './credentials';
import { CliError } from './errors';

export type CommandName = 'add' | 'status';

export interface Invocation {
  command: CommandName;
  /** The secrets to act on, in the order credentials lists them. */
  names: string[];
  envFile?: string;
  projectId: string;
  emulatorHost?: string;
}

export const usage = `Usage: npm run secrets -- <command> [options]

Commands:
  add       add a new version to each secret, from a .env file or the environment
  status    say which secrets have a value, without reading any

Options:
  --env-file FILE     add: read values from FILE (default .env, when it exists);
                      its values win over the environment's
  --only NAME[,NAME]  act on these secrets alone (default: all of them)
  --project ID        Google Cloud project (env GOOGLE_CLOUD_PROJECT)
  --help, -h          this text

Secrets: ${credentialNames.join(', ')}.
No value is ever printed. Exit status: 0 done, 1 a secret was not done
(see its line), 2 could not run.`;

type Env = Record<string, string | undefined>;

function usageError(problem: string): CliError {
  return new CliError(`${problem} (see --help)`);
}

function selectedNames(only: string | undefined): string[] {
  if (only === undefined) return [...credentialNames];

  const asked = only
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = asked.filter((name) => !credentialNames.includes(name));
  if (asked.length === 0 || unknown.length > 0) {
    throw usageError(
      `--only takes secret names from ${credentialNames.join(', ')}` +
        (unknown.length > 0 ? `, not ${unknown.join(', ')}` : '')
    );
  }
  return credentialNames.filter((name) => asked.includes(name));
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
        'env-file': { type: 'string' },
        only: { type: 'string' },
        project: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';

  const [command, ...extra] = positionals;
  if (command !== 'add' && command !== 'status') {
    throw usageError(command === undefined ? 'no command given' : `unknown command ${command}`);
  }
  if (extra.length > 0) throw usageError(`unexpected ${extra.join(' ')}`);
  if (command === 'status' && values['env-file'] !== undefined) {
    throw usageError('--env-file applies to add only');
  }

  const projectId = values.project?.trim() || env.GOOGLE_CLOUD_PROJECT?.trim();
  if (!projectId) {
    throw usageError('no project: pass --project or set GOOGLE_CLOUD_PROJECT');
  }

  return {
    command,
    names: selectedNames(values.only),
    envFile: values['env-file'],
    projectId,
    emulatorHost: env.SECRET_MANAGER_EMULATOR_HOST?.trim() || undefined,
  };
}
