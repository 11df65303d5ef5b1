/**
 * Webhook acknowledgement: signed `charge.refunded` deliveries under load,
 * to the bare function, to stripeWebhook publishing each to the emulator,
 * and to stripeWebhook publishing to a stand-in that accepts at once, with
 * the same requests, connections and durations. The load alternates between
 * them in slices, so that whatever else the machine does at the time weighs
 * on all alike. A lone run (one delivery at a time) shows whether the
 * publisher holds a single event back for a batch.
 */
import { bareFunction, benchSecrets, webhookFunction } from './functions';
import { runLoad, runLone, type LoadResult } from './load';
import { loggedEntries, startTimedFunction, type RunningFunction } from './processes';
import type { RunningStandIn } from './pubsub-stand-in';
import { deliveries } from './requests';

export interface Acknowledgement {
  label: string;
  load: LoadResult;
  lone: LoadResult;
  peakRssBytes: number;
}

export interface AcknowledgementSettings {
  connections: number;
  durationSeconds: number;
  warmUpSeconds: number;
  loneRequests: number;
  env: Record<string, string>;
  /** The stand-in the third function publishes to. */
  standIn: RunningStandIn;
  logDir: string;
}

/** The label of stripeWebhook publishing to the stand-in. */
export const standInLabel = 'stripeWebhook (instant stand-in)';

/** Distinct deliveries per connection; each connection cycles through its own. */
const deliveriesPerConnection = 500;

/** The slices each function's timed load is cut into. */
const slices = 2;

/**
 * Returns the slices taken together: throughput over their whole time, and
 * of the latencies the worse slice's (slices' histograms cannot be merged).
 */
function combine(results: LoadResult[]): LoadResult {
  const sum = (figure: (result: LoadResult) => number) =>
    results.reduce((total, result) => total + figure(result), 0);
  const answered2xx = sum((result) => result.answered2xx);
  const seconds = sum((result) => result.seconds);
  return {
    seconds,
    requestsPerSecond: answered2xx / seconds,
    p50Ms: Math.max(...results.map((result) => result.p50Ms)),
    p99Ms: Math.max(...results.map((result) => result.p99Ms)),
    answered2xx,
    failed: sum((result) => result.failed),
  };
}

/** Returns the bare function's figures, the webhook's, then the webhook's against the stand-in. */
export async function measureAcknowledgement(
  settings: AcknowledgementSettings
): Promise<Acknowledgement[]> {
  const pool = deliveries(
    settings.connections * deliveriesPerConnection,
    benchSecrets.webhook
  );
  const load = (fn: RunningFunction, durationSeconds: number) =>
    runLoad(fn.url, pool, { connections: settings.connections, durationSeconds });

  const functions: RunningFunction[] = [];
  try {
    const specs = [
      bareFunction(settings.env),
      webhookFunction(settings.env),
      webhookFunction(
        { ...settings.env, PUBSUB_EMULATOR_HOST: settings.standIn.host },
        standInLabel
      ),
    ];
    for (const spec of specs) {
      functions.push(await startTimedFunction(spec, pool[0], settings.logDir));
    }

    // The first request, sent while timing each start, was answered 2xx too.
    const answered = functions.map(() => 1);
    const count = (index: number, result: LoadResult) => {
      answered[index] += result.answered2xx;
      return result;
    };

    for (const [index, fn] of functions.entries()) {
      count(index, await load(fn, settings.warmUpSeconds));
    }
    const lone: LoadResult[] = [];
    for (const [index, fn] of functions.entries()) {
      lone.push(count(index, await runLone(fn.url, pool, settings.loneRequests)));
    }
    const sliceSeconds = settings.durationSeconds / slices;
    const timed: LoadResult[][] = functions.map(() => []);
    for (let slice = 0; slice < slices; slice++) {
      for (const [index, fn] of functions.entries()) {
        timed[index].push(count(index, await load(fn, sliceSeconds)));
      }
    }

    // Every 2xx must stand for a message Pub/Sub accepted. A timed run ends
    // with up to one request per connection answered but no longer counted.
    const uncounted = (1 + slices) * settings.connections;
    for (const index of [1, 2]) {
      const published = loggedEntries(functions[index].logFile).filter(
        (entry) => entry.message === 'event published'
      ).length;
      if (published < answered[index] || published > answered[index] + uncounted) {
        throw new Error(
          `${functions[index].spec.label} answered ${answered[index]} deliveries 2xx ` +
            `but logged ${published} publications`
        );
      }
    }
    const standInAccepted = await settings.standIn.accepted();
    if (standInAccepted < answered[2]) {
      throw new Error(
        `the stand-in accepted ${standInAccepted} messages for ${answered[2]} 2xx answers`
      );
    }

    return functions.map((fn, index) => ({
      label: fn.spec.label,
      load: combine(timed[index]),
      lone: lone[index],
      peakRssBytes: fn.peakRssBytes(),
    }));
  } finally {
    await Promise.all(functions.map((fn) => fn.stop()));
  }
}
