/**
 * Runs the whole service on this machine: the Pub/Sub emulator with the
 * production topics and subscriptions, both functions as the Functions
 * Framework serves them (from the compiled `dist/`), and, unless a real
 * Moltin store is given, the Moltin sandbox. Used by `npm start` and by the
 * integration tests, so both exercise the same wiring.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { PubSub } from '@google-cloud/pubsub';

import { startEmulator, type RunningEmulator } from './emulator';
import { freePort, waitFor } from './ports';

/** The names production uses (infra/ prefixes them the same way). */
export const resourceNames = {
  topic: 'stripe-events',
  pushSubscription: 'stripe-events-refund-sync',
  deadLetterTopic: 'stripe-events-dead-letter',
  deadLetterSubscription: 'stripe-events-dead-letter-inspect',
} as const;

/** The repository root, from this file's place in `local/` or `dist/local/`. */
export const repoRoot = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

const frameworkMain = path.join(
  repoRoot,
  'node_modules/@google-cloud/functions-framework/build/src/main.js'
);

export interface MoltinTarget {
  url?: string;
  clientId: string;
  clientSecret: string;
}

export interface PipelineOptions {
  projectId?: string;
  webhookSecret: string;
  stripeSecretKey: string;
  stripeApiUrl?: string;
  moltin: MoltinTarget;
  maxDeliveryAttempts?: number;
  /** Backoff between redeliveries of a nacked message. */
  minimumBackoffSeconds?: number;
  maximumBackoffSeconds?: number;
  /** Fixed ports; free ones are picked for any left out. */
  ports?: { emulator?: number; webhook?: number; refundSync?: number };
  /** Extra environment for both functions. */
  env?: Record<string, string>;
  /** Receives every line either function logs. */
  onLog?: (source: 'stripeWebhook' | 'refundSync', line: string) => void;
}

export interface RunningFunction {
  name: string;
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface RunningPipeline {
  projectId: string;
  emulator: RunningEmulator;
  pubsub: PubSub;
  webhook: RunningFunction;
  refundSync: RunningFunction;
  stop(): Promise<void>;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts one function under the Functions Framework on a free port. */
export async function startFunction(
  name: 'stripeWebhook' | 'refundSync',
  env: Record<string, string>,
  onLog?: (line: string) => void,
  fixedPort?: number
): Promise<RunningFunction> {
  if (!fs.existsSync(path.join(repoRoot, 'dist/functions/index.js'))) {
    throw new Error('dist/functions/index.js is missing: run `npm run build` first');
  }
  const port = fixedPort ?? (await freePort());
  const child = spawn(
    process.execPath,
    [frameworkMain, `--target=${name}`, `--port=${port}`, `--source=${repoRoot}`],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );

  let pending = '';
  const forward = (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLog?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);

  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code}`)))
  );
  await Promise.race([waitFor(name, () => isListening(port), 20_000, 50), exited]);
  exited.catch(() => undefined);

  return {
    name,
    port,
    url: `http://127.0.0.1:${port}/`,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** Creates the topics and subscriptions production has, on the emulator. */
export async function createResources(
  pubsub: PubSub,
  pushEndpoint: string,
  options: { maxDeliveryAttempts: number; minimumBackoffSeconds: number; maximumBackoffSeconds: number }
): Promise<void> {
  const [topic] = await pubsub.createTopic(resourceNames.topic);
  const [deadLetterTopic] = await pubsub.createTopic(resourceNames.deadLetterTopic);

  await deadLetterTopic.createSubscription(resourceNames.deadLetterSubscription, {
    messageRetentionDuration: { seconds: 7 * 24 * 3600 },
    ackDeadlineSeconds: 60,
  });
  await topic.createSubscription(resourceNames.pushSubscription, {
    pushConfig: { pushEndpoint },
    // Ignored by the emulator; refundSync checks the event type itself.
    filter: 'attributes.event_type = "charge.refunded"',
    ackDeadlineSeconds: 60,
    deadLetterPolicy: {
      deadLetterTopic: deadLetterTopic.name,
      maxDeliveryAttempts: options.maxDeliveryAttempts,
    },
    retryPolicy: {
      minimumBackoff: { seconds: options.minimumBackoffSeconds },
      maximumBackoff: { seconds: options.maximumBackoffSeconds },
    },
  });
}

/** Starts the emulator, its topics and subscriptions, and both functions. */
export async function startPipeline(options: PipelineOptions): Promise<RunningPipeline> {
  // Everything here talks to the emulator only: keep Google's auth library
  // from probing the metadata server.
  process.env.METADATA_SERVER_DETECTION = 'none';
  const projectId = options.projectId ?? 'local-project';
  const emulator = await startEmulator({ port: options.ports?.emulator });
  const started: RunningFunction[] = [];

  try {
    const pubsub = new PubSub({ projectId, apiEndpoint: emulator.host });
    const common: Record<string, string> = {
      GOOGLE_CLOUD_PROJECT: projectId,
      PUBSUB_EMULATOR_HOST: emulator.host,
      METADATA_SERVER_DETECTION: 'none',
      ...options.env,
    };

    const refundSync = await startFunction(
      'refundSync',
      {
        ...common,
        DEAD_LETTER_TOPIC: resourceNames.deadLetterTopic,
        STRIPE_SECRET_KEY: options.stripeSecretKey,
        ...(options.stripeApiUrl && { STRIPE_API_URL: options.stripeApiUrl }),
        MOLTIN_CLIENT_ID: options.moltin.clientId,
        MOLTIN_CLIENT_SECRET: options.moltin.clientSecret,
        ...(options.moltin.url && { MOLTIN_API_URL: options.moltin.url }),
      },
      (line) => options.onLog?.('refundSync', line),
      options.ports?.refundSync
    );
    started.push(refundSync);

    await createResources(pubsub, refundSync.url, {
      maxDeliveryAttempts: options.maxDeliveryAttempts ?? 5,
      minimumBackoffSeconds: options.minimumBackoffSeconds ?? 1,
      maximumBackoffSeconds: options.maximumBackoffSeconds ?? 5,
    });

    const webhook = await startFunction(
      'stripeWebhook',
      {
        ...common,
        PUBSUB_TOPIC: resourceNames.topic,
        STRIPE_WEBHOOK_SECRET: options.webhookSecret,
      },
      (line) => options.onLog?.('stripeWebhook', line),
      options.ports?.webhook
    );
    started.push(webhook);

    return {
      projectId,
      emulator,
      pubsub,
      webhook,
      refundSync,
      stop: async () => {
        await Promise.all([webhook.stop(), refundSync.stop()]);
        await pubsub.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((fn) => fn.stop()));
    await emulator.stop();
    throw error;
  }
}

