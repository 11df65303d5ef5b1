/**
 * The targets the figures are held to, and RESULTS.md: the machine, the
 * command, the date, each target met or missed, and every figure behind it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Acknowledgement } from './acknowledgement';
import type { ColdStart } from './cold-start';
import type { InstanceMemory } from './memory';
import type { SubscriberResult } from './subscriber';

export interface Settings {
  connections: number;
  durationSeconds: number;
  warmUpSeconds: number;
  loneRequests: number;
  coldStartRounds: number;
  events: number;
  moltinDelayMs: number;
}

export interface Figures {
  acknowledgement: Acknowledgement[];
  coldStarts: ColdStart[];
  subscriber: SubscriberResult;
  memory: InstanceMemory;
}

export interface Target {
  name: string;
  measured: string;
  limit: string;
  met: boolean;
}

/** The largest peak resident memory that leaves a 256 MiB instance room. */
export const memoryLimitBytes = 160e6;
/** The webhook's share of the bare function's throughput, at least. */
export const throughputShare = 0.5;
export const p99LimitMs = 25;
/**
 * The Pub/Sub client library's default batching delay: a publisher that
 * waited for company would hold a lone event back this long.
 */
export const batchingDelayMs = 10;
/** A function's cold start, at most this many times the bare function's. */
export const coldStartFactor = 1.5;
export const moltinCallsPerRefundLimit = 2;
export const tokenRequestsPerProcessLimit = 1;
/** Beyond this share of the processors taken by others, a run is flagged. */
const busyMachineShare = 0.05;

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

function byLabel<T extends { label: string }>(items: T[], label: string): T {
  const found = items.find((item) => item.label === label);
  if (!found) throw new Error(`no figures for ${label}`);
  return found;
}

/** Returns each target with what was measured against it. */
export function assessTargets(figures: Figures): Target[] {
  const bare = byLabel(figures.acknowledgement, 'bare');
  const webhook = byLabel(figures.acknowledgement, 'stripeWebhook');
  const bareStart = byLabel(figures.coldStarts, 'bare');
  const sub = figures.subscriber;
  const share = webhook.load.requestsPerSecond / bare.load.requestsPerSecond;

  const targets: Target[] = [
    {
      name: 'Webhook throughput, share of the bare function',
      measured: `${share.toFixed(2)} (${webhook.load.requestsPerSecond.toFixed(0)} / ` +
        `${bare.load.requestsPerSecond.toFixed(0)} req/s)`,
      limit: `>= ${throughputShare}`,
      met: share >= throughputShare,
    },
    {
      name: 'Webhook p99 latency under load',
      measured: ms(webhook.load.p99Ms),
      limit: `< ${p99LimitMs} ms`,
      met: webhook.load.p99Ms < p99LimitMs,
    },
    {
      name: 'Lone delivery p50, under a batching delay (never held back)',
      measured: ms(webhook.lone.p50Ms),
      limit: `< ${batchingDelayMs} ms`,
      met: webhook.lone.p50Ms < batchingDelayMs,
    },
    {
      name: 'Every delivery answered 2xx',
      measured: `${webhook.load.failed + webhook.lone.failed} failed`,
      limit: '0 failed',
      met: webhook.load.failed + webhook.lone.failed === 0,
    },
  ];

  for (const start of figures.coldStarts.filter((item) => item.label !== 'bare')) {
    const factor = start.medianMs / bareStart.medianMs;
    targets.push({
      name: `${start.label} cold start, times the bare function's`,
      measured:
        `${factor.toFixed(2)} ` +
        `(${ms(start.medianMs)} / ${ms(bareStart.medianMs)})`,
      limit: `<= ${coldStartFactor}`,
      met: factor <= coldStartFactor,
    });
  }

  targets.push(
    {
      name: 'Moltin calls per applied refund',
      measured:
        `${sub.moltinCallsPerRefund.toFixed(2)} ` +
        `(${sub.moltinCalls} / ${sub.refundsApplied})`,
      limit: `<= ${moltinCallsPerRefundLimit}`,
      met: sub.moltinCallsPerRefund <= moltinCallsPerRefundLimit,
    },
    {
      name: 'Moltin token requests per process',
      measured: String(sub.tokenRequests),
      limit: `<= ${tokenRequestsPerProcessLimit}`,
      met: sub.tokenRequests <= tokenRequestsPerProcessLimit,
    },
    {
      name: 'Stripe calls when the charge names its order',
      measured: String(sub.stripeCalls),
      limit: '0',
      met: sub.stripeCalls === 0,
    },
    {
      name: 'Every pushed refund applied, none retried or dead-lettered',
      measured: `${sub.refundsApplied} applied of ${sub.events + 1}, ` +
        `${sub.retries} retried, ${sub.deadLettered} dead-lettered`,
      limit: `${sub.events + 1} applied, 0, 0`,
      met:
        sub.refundsApplied === sub.events + 1 &&
        sub.retries === 0 &&
        sub.deadLettered === 0,
    },
  );

  for (const [label, peak] of Object.entries(figures.memory)) {
    targets.push({
      name: `${label} peak resident memory under load, heap as in 256 MiB`,
      measured: megabytes(peak),
      limit: `< ${megabytes(memoryLimitBytes)}`,
      met: peak < memoryLimitBytes,
    });
  }
  return targets;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Returns RESULTS.md for one run. */
export function renderResults(run: {
  command: string;
  date: Date;
  machine: string;
  /** The share of processor time other processes took during the run. */
  othersCpu: number;
  /** The flags that limit a function's heap as in a 256 MiB instance. */
  instanceHeapFlags: string[];
  settings: Settings;
  figures: Figures;
  targets: Target[];
}): string {
  const { settings, figures } = run;
  const missed = run.targets.filter((target) => !target.met);
  const sub = figures.subscriber;
  const bareStart = byLabel(figures.coldStarts, 'bare');
  const bareLoad = byLabel(figures.acknowledgement, 'bare').load;

  return `# Benchmark results

Written by \`npm run bench\`; every figure below comes from the run it
describes. See README for what is measured and why.

- Date: ${run.date.toISOString()}
- Command: \`${run.command}\`
- Machine: ${run.machine}; other processes took \
${(run.othersCpu * 100).toFixed(0)}% of its processor time during the run${
    run.othersCpu > busyMachineShare
      ? ' (**busy: figures are worse than on an idle machine**)'
      : ''
  }
- Load: ${settings.connections} connections for ${settings.durationSeconds} s \
(after ${settings.warmUpSeconds} s of warm-up); lone deliveries: \
${settings.loneRequests}, one at a time; cold starts: median of \
${settings.coldStartRounds} rounds; subscriber: ${settings.events} refunds, \
Moltin answering after ${settings.moltinDelayMs} ms.
- Functions: under the Functions Framework from dist/, on loopback, against \
the Pub/Sub emulator; node's heap sized for this machine except in the \
memory part (below).
- Outcome: ${
    missed.length === 0 ? 'every target met' : `${missed.length} target(s) missed`
  }

## Targets

${table(
  ['Target', 'Measured', 'Limit', 'Met'],
  run.targets.map((target) => [
    target.name,
    target.measured,
    target.limit,
    target.met ? 'yes' : '**no**',
  ])
)}

## Webhook acknowledgement

Signed \`charge.refunded\` deliveries; stripeWebhook answers each only after
Pub/Sub accepted its message: the emulator, or (the last row, a figure and
no target) a stand-in that accepts every publish at once, which shows what
the function itself costs without the emulator's share of the same
processors. The timed load alternates between the functions in slices;
req/s is over all of a function's slices, p50 and p99 are its worse slice's.
Lone: one delivery at a time over one connection.

${table(
  [
    'Function',
    'Load req/s',
    'Share of bare',
    'Load p50',
    'Load p99',
    'Lone p50',
    'Lone p99',
    'Failed',
  ],
  figures.acknowledgement.map((item) => [
    item.label,
    item.load.requestsPerSecond.toFixed(0),
    (item.load.requestsPerSecond / bareLoad.requestsPerSecond).toFixed(2),
    ms(item.load.p50Ms),
    ms(item.load.p99Ms),
    ms(item.lone.p50Ms),
    ms(item.lone.p99Ms),
    String(item.load.failed + item.lone.failed),
  ])
)}

## Cold start

From process spawn to the first 2xx answer to a real first request.

${table(
  ['Function', 'Median', 'Times bare', 'All rounds (ms)'],
  figures.coldStarts.map((item) => [
    item.label,
    ms(item.medianMs),
    (item.medianMs / bareStart.medianMs).toFixed(2),
    item.samplesMs.map((sample) => sample.toFixed(0)).join(', '),
  ])
)}

## Subscriber

${sub.events} refunds published at once and pushed by the emulator into
refundSync (plus the one that timed its start).

${table(
  ['Figure', 'Value'],
  [
    ['Refunds per second', sub.eventsPerSecond.toFixed(1)],
    ['Time to apply all', `${sub.seconds.toFixed(2)} s`],
    ['Refunds under way at once, at most', String(sub.mostAtOnce)],
    ['Refunds applied', String(sub.refundsApplied)],
    ['Moltin API calls (token requests aside)', String(sub.moltinCalls)],
    ['Moltin calls per refund', sub.moltinCallsPerRefund.toFixed(2)],
    ['Moltin token requests', String(sub.tokenRequests)],
    ['Stripe API calls', String(sub.stripeCalls)],
    ['Retried / dead-lettered', `${sub.retries} / ${sub.deadLettered}`],
  ]
)}

## Peak resident memory

Each function's peak resident memory (VmHWM) under the loads above, twice.
Node sizes its heap from the memory it may use: here from all of this
machine's, so the heap grows far before it is collected; in a 256 MiB
instance (infra/'s default) from 256 MiB, which for Node 20 means a 128 MiB
old space and 1 MiB semi-spaces, as \`${run.instanceHeapFlags.join(' ')}\`
sets them here. The target is judged on that second run, under the same
load again.

${table(
  ['Function', "Heap sized for this machine", 'Heap as in a 256 MiB instance'],
  [
    ['bare', megabytes(byLabel(figures.acknowledgement, 'bare').peakRssBytes), '-'],
    [
      'stripeWebhook',
      megabytes(byLabel(figures.acknowledgement, 'stripeWebhook').peakRssBytes),
      megabytes(figures.memory.stripeWebhook),
    ],
    ['refundSync', megabytes(sub.peakRssBytes), megabytes(figures.memory.refundSync)],
  ]
)}
`;
}

/** Writes RESULTS.md next to the benchmark's sources. */
export function writeResults(repoRoot: string, text: string): string {
  const file = path.join(repoRoot, 'test/bench/RESULTS.md');
  fs.writeFileSync(file, text);
  return file;
}
