import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

import { freePort, waitFor } from './ports';

/** Where the Google Cloud CLI installs the Pub/Sub emulator on Debian. */
export const defaultEmulatorPath =
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

export interface RunningEmulator {
  /** `127.0.0.1:PORT`, the value for PUBSUB_EMULATOR_HOST. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** Returns the emulator's launcher, or throws saying how to install it. */
export function emulatorPath(env = process.env): string {
  const path = env.PUBSUB_EMULATOR_BIN || defaultEmulatorPath;
  if (!fs.existsSync(path)) {
    throw new Error(
      `Pub/Sub emulator not found at ${path}. Install it with ` +
        '`apt-get install google-cloud-cli-pubsub-emulator` (or ' +
        '`gcloud components install pubsub-emulator`), or set ' +
        'PUBSUB_EMULATOR_BIN to its cloud-pubsub-emulator launcher.'
    );
  }
  return path;
}

async function isServing(host: string): Promise<boolean> {
  const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();

  return new Promise((resolve) => {
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        // The launcher is a shell script that starts java: end the group.
        process.kill(-(child.pid as number), signal);
      } catch {
        // Already gone.
      }
    };
    const forced = setTimeout(() => killGroup('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(forced);
      resolve();
    });
    killGroup('SIGTERM');
  });
}

/**
 * Starts the Pub/Sub emulator on a free loopback port (or `port`) and
 * resolves once it answers.
 */
export async function startEmulator(
  options: { port?: number; log?: (line: string) => void } = {}
): Promise<RunningEmulator> {
  const launcher = emulatorPath();
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;

  const child = spawn(launcher, [`--host=127.0.0.1`, `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    options.log?.(chunk.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`Pub/Sub emulator exited (${code}) before it was ready:\n${output}`))
    )
  );
  try {
    await Promise.race([waitFor('Pub/Sub emulator', () => isServing(host), 60_000), exited]);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  exited.catch(() => undefined);

  return { host, port, stop: () => stopProcess(child) };
}

