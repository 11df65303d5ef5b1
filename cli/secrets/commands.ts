/**
 * What `add` and `status` do, one line per secret: what happened to it,
 * never its value.
 */
import { credentials, type Credential } from './credentials';
import { exitCode, SecretStoreError } from './errors';
import type { SecretStore } from './secret-manager';
import { readValue, type ValueSources } from './values';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const nameWidth = Math.max(...credentials.map((credential) => credential.name.length));

function line(name: string, outcome: string): string {
  return `${name.padEnd(nameWidth)}  ${outcome}`;
}

function selected(names: string[]): Credential[] {
  return credentials.filter((credential) => names.includes(credential.name));
}

/** Says why a secret was not done; rethrows what stops the whole run. */
function failure(error: unknown): string {
  if (error instanceof SecretStoreError && !error.stopsRun) return error.message;
  throw error;
}

function summary(io: Io, done: number, total: number, verb: string): number {
  if (done === total) {
    io.out(`${verb} ${done} of ${total}.`);
    return exitCode.ok;
  }
  io.out(`${verb} ${done} of ${total}; the others need the fix their line gives.`);
  return exitCode.incomplete;
}

/** Adds a version to each secret that has a usable value. */
export async function add(
  store: SecretStore,
  names: string[],
  sources: ValueSources,
  io: Io
): Promise<number> {
  const chosen = selected(names);
  let added = 0;

  for (const credential of chosen) {
    const reading = readValue(credential, sources);
    const { name } = credential;

    switch (reading.kind) {
      case 'missing':
        io.out(line(name, `missing: not set in ${reading.looked}; nothing added`));
        continue;
      case 'empty':
        io.out(line(name, `empty in ${reading.source}; nothing added`));
        continue;
      case 'malformed':
        io.out(line(name, `not added: the value in ${reading.source} is not ${reading.expected}`));
        continue;
    }

    try {
      const version = await store.addVersion(name, reading.value);
      io.out(line(name, `added version ${version} (from ${reading.source})`));
      added++;
    } catch (error) {
      io.out(line(name, `not added: ${failure(error)}`));
    }
  }

  if (added > 0) {
    io.out(
      'Instances started from now on read the new versions; to move running ones ' +
        'now, change credentials_revision in infra/ and apply.'
    );
  }
  return summary(io, added, chosen.length, 'Secrets updated:');
}

/** Says, for each secret, whether its latest version is usable. */
export async function status(store: SecretStore, names: string[], io: Io): Promise<number> {
  const chosen = selected(names);
  let usable = 0;

  for (const { name } of chosen) {
    try {
      const latest = await store.latestVersion(name);
      if (latest === undefined) {
        io.out(line(name, 'no value yet: add one with `npm run secrets -- add`'));
      } else if (latest.state !== 'ENABLED') {
        io.out(line(name, `latest version ${latest.version} is ${latest.state}: add a new one`));
      } else {
        const since = latest.created ? `, added ${latest.created.toISOString()}` : '';
        io.out(line(name, `has a value (version ${latest.version}${since})`));
        usable++;
      }
    } catch (error) {
      io.out(line(name, failure(error)));
    }
  }
  return summary(io, usable, chosen.length, 'Secrets with a value:');
}
