#!/usr/bin/env node
/**
 * sync-stripe-secrets: gives the service's Secret Manager secrets their
 * values from a `.env` file or the environment, and says which have one.
 * Values go from this machine to Secret Manager only: never to Terraform,
 * never to the terminal.
 */
import * as commands from './secrets/commands';
import type { Io } from './secrets/commands';
import { CliError, exitCode, SecretStoreError } from './secrets/errors';
import { parseInvocation, usage } from './secrets/options';
import { openStore, type SecretStore, type StoreSettings } from './secrets/secret-manager';
import { readSources } from './secrets/values';

export interface MainDependencies {
  openStore?: (settings: StoreSettings) => SecretStore;
  cwd?: string;
}

/** Runs the CLI and resolves with its exit status. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Io,
  deps: MainDependencies = {}
): Promise<number> {
  let store: SecretStore | undefined;
  try {
    const invocation = parseInvocation(argv, env);
    if (invocation === 'help') {
      io.out(usage);
      return exitCode.ok;
    }

    // Values are read before Secret Manager is contacted, so that a bad file
    // costs no call.
    const sources =
      invocation.command === 'add'
        ? readSources(env, invocation.envFile, deps.cwd ?? process.cwd())
        : undefined;

    store = (deps.openStore ?? openStore)({
      projectId: invocation.projectId,
      emulatorHost: invocation.emulatorHost,
    });
    io.out(`Project ${store.projectId}:`);
    return sources
      ? await commands.add(store, invocation.names, sources, io)
      : await commands.status(store, invocation.names, io);
  } catch (error) {
    if (!(error instanceof CliError) && !(error instanceof SecretStoreError)) throw error;
    io.err(`sync-stripe-secrets: ${error.message}`);
    return error instanceof CliError ? error.exitCode : exitCode.failed;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  main(process.argv.slice(2), process.env, io).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`sync-stripe-secrets: ${(error as Error)?.stack ?? error}\n`);
      process.exitCode = exitCode.failed;
    }
  );
}
