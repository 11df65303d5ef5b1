/**
 * `npm run bench`: runs the benchmark on this machine, writes
 * test/bench/RESULTS.md, and exits 1 when a target is missed (2 when the
 * run itself failed).
 *
 * Everything runs on loopback: the Pub/Sub emulator, the Moltin sandbox, the
 * Stripe fake, and each function under the Functions Framework from the
 * compiled dist/. BENCH_* variables (below) change the settings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { PubSub } from '@google-cloud/pubsub';

import { emulatorPath, startEmulator } from '../../local/emulator';
import { repoRoot, resourceNames } from '../../local/pipeline';
import { measureAcknowledgement } from './acknowledgement';
import { measureColdStarts } from './cold-start';
import { commonEnv } from './functions';
import { cpuSnapshot, describeMachine, othersShare } from './machine';
import { measureInstanceMemory } from './memory';
import { instanceHeapFlags, stopFunctions } from './processes';
import {
  assessTargets,
  renderResults,
  writeResults,
  type Figures,
  type Settings,
} from './report';
import { startPubsubStandIn } from './pubsub-stand-in';
import { measureSubscriber } from './subscriber';

// The warm-up is long because the emulator is a JVM: its REST front spends
// about 4 ms of processor time on each of the first publish requests and
// under 2 ms once compiled, and a real Pub/Sub has no such start.
const settingNames: Record<keyof Settings, [string, number]> = {
  connections: ['BENCH_CONNECTIONS', 10],
  durationSeconds: ['BENCH_DURATION_SECONDS', 10],
  warmUpSeconds: ['BENCH_WARM_UP_SECONDS', 10],
  loneRequests: ['BENCH_LONE_REQUESTS', 300],
  coldStartRounds: ['BENCH_COLD_START_ROUNDS', 7],
  events: ['BENCH_EVENTS', 300],
  moltinDelayMs: ['BENCH_MOLTIN_DELAY_MS', 50],
};

/** Returns the settings, and the variables that changed them. */
function readSettings(env = process.env): { settings: Settings; changed: string[] } {
  const settings = {} as Settings;
  const changed: string[] = [];
  for (const [key, [name, fallback]] of Object.entries(settingNames)) {
    const raw = env[name]?.trim();
    const value = raw ? Number(raw) : fallback;
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(
        `${name} must be a positive whole number, not ${JSON.stringify(raw)}`
      );
    }
    if (raw) changed.push(`${name}=${value}`);
    settings[key as keyof Settings] = value;
  }
  // Profiling slows the functions down, so a run made with it says so.
  if (env.BENCH_CPU_PROFILE) changed.push('BENCH_CPU_PROFILE=1');
  return { settings, changed };
}

/** What must be stopped even if the run is given up half way. */
const stoppers: (() => Promise<void>)[] = [stopFunctions];

function stopEverything(): Promise<unknown> {
  const gaveUp = new Promise((resolve) => setTimeout(resolve, 10_000));
  return Promise.race([Promise.allSettled(stoppers.map((stop) => stop())), gaveUp]);
}

/** Returns the emulator's version, read from the name of its jar. */
function emulatorVersion(): string {
  const lib = path.join(path.dirname(path.dirname(emulatorPath())), 'lib');
  for (const name of fs.existsSync(lib) ? fs.readdirSync(lib) : []) {
    const match = /^cloud-pubsub-emulator-(.+)-all\.jar$/.exec(name);
    if (match) return match[1];
  }
  return 'of unknown version';
}

/** Projects on the one emulator, so each part starts from empty topics. */
const projects = {
  webhook: 'bench-webhook',
  subscriber: 'bench-subscriber',
  memory: 'bench-memory',
};

/**
 * Refuses every connection that is not to loopback, in this process and,
 * through NODE_OPTIONS, in every function it spawns; returns the file that
 * records refusals a library may have swallowed.
 */
function guardLoopback(logDir: string): string {
  const guard = path.join(repoRoot, 'test/support/loopback-only.js');
  const violations = path.join(logDir, 'loopback-violations.log');
  process.env.LOOPBACK_VIOLATIONS_FILE = violations;
  process.env.METADATA_SERVER_DETECTION = 'none';
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--require ${guard}`]
    .filter(Boolean)
    .join(' ');
  require(guard);
  return violations;
}

const log = (line: string) => process.stdout.write(`bench: ${line}\n`);

/** Starts the emulator, measures each part in turn, and stops it. */
async function measure(settings: Settings, logDir: string): Promise<Figures> {
  const emulator = await startEmulator();
  stoppers.push(() => emulator.stop());
  process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  const clients: PubSub[] = [];
  const client = (projectId: string) => {
    const pubsub = new PubSub({ projectId, apiEndpoint: emulator.host });
    clients.push(pubsub);
    return pubsub;
  };

  try {
    // The webhook publishes to the events topic; a subscription nobody pulls
    // makes the emulator keep each message, as Pub/Sub would.
    const [topic] = await client(projects.webhook).createTopic(resourceNames.topic);
    await topic.createSubscription('bench-sink');
    const webhookEnv = commonEnv(projects.webhook, emulator.host);

    log(`cold starts, ${settings.coldStartRounds} rounds`);
    const coldStarts = await measureColdStarts({
      rounds: settings.coldStartRounds,
      projectId: projects.webhook,
      env: webhookEnv,
      logDir,
    });

    log(`acknowledgement, ${settings.connections} connections`);
    const standIn = await startPubsubStandIn();
    stoppers.push(() => standIn.stop());
    const acknowledgement = await measureAcknowledgement({
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmUpSeconds: settings.warmUpSeconds,
      loneRequests: settings.loneRequests,
      env: webhookEnv,
      standIn,
      logDir,
    });
    await standIn.stop();

    log(`subscriber, ${settings.events} refunds`);
    const subscriber = await measureSubscriber({
      events: settings.events,
      moltinDelayMs: settings.moltinDelayMs,
      projectId: projects.subscriber,
      pubsub: client(projects.subscriber),
      env: commonEnv(projects.subscriber, emulator.host),
      logDir,
    });

    log('memory, heap limited as in a 256 MiB instance');
    const memory = await measureInstanceMemory({
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmUpSeconds: settings.warmUpSeconds,
      events: settings.events,
      moltinDelayMs: settings.moltinDelayMs,
      webhookEnv,
      subscriberEnv: commonEnv(projects.memory, emulator.host),
      subscriberProjectId: projects.memory,
      pubsub: client(projects.memory),
      logDir,
    });

    return { acknowledgement, coldStarts, subscriber, memory };
  } finally {
    await Promise.all(clients.map((pubsub) => pubsub.close()));
    await emulator.stop();
  }
}

async function main(): Promise<number> {
  const { settings, changed } = readSettings();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const violations = guardLoopback(logDir);
  log(`logs in ${logDir}`);

  const startedAt = performance.now();
  const before = cpuSnapshot();
  const figures = await measure(settings, logDir);
  const seconds = (performance.now() - startedAt) / 1000;
  const othersCpu = othersShare(before, cpuSnapshot(), seconds);

  if (fs.existsSync(violations) && fs.readFileSync(violations, 'utf8').trim() !== '') {
    throw new Error(`a process tried to leave loopback; see ${violations}`);
  }

  const targets = assessTargets(figures);
  const file = writeResults(
    repoRoot,
    renderResults({
      command: [...changed, 'npm run bench'].join(' '),
      date: new Date(),
      machine: describeMachine(emulatorVersion()),
      othersCpu,
      instanceHeapFlags,
      settings,
      figures,
      targets,
    })
  );

  for (const target of targets) {
    const verdict = target.met ? 'met   ' : 'MISSED';
    log(`${verdict} ${target.name}: ${target.measured} (${target.limit})`);
  }
  log(`others took ${(othersCpu * 100).toFixed(0)}% of the processors meanwhile`);
  log(`results in ${path.relative(process.cwd(), file)}`);

  // The functions' logs are kept when the run fails half way, or on request.
  if (process.env.BENCH_CPU_PROFILE || process.env.BENCH_KEEP_LOGS) {
    log(`logs and profiles kept in ${logDir}`);
  } else {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
  return targets.every((target) => target.met) ? 0 : 1;
}

/** The longest a run may take before it is given up as stuck. */
const runLimitMs = 15 * 60_000;

// The pending timer also keeps this process from ending quietly, exit code
// 0 and no results, should some await never settle.
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: failed: still running after ${runLimitMs / 60_000} min\n`);
  void stopEverything().finally(() => process.exit(2));
}, runLimitMs);

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exit(code);
  },
  (error: unknown) => {
    clearTimeout(watchdog);
    process.stderr.write(`bench: failed: ${(error as Error).stack ?? String(error)}\n`);
    void stopEverything().finally(() => process.exit(2));
  }
);
