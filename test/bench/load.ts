/**
 * HTTP load through autocannon, each connection sending its own share of
 * the requests so that no two deliver the same event at once; and lone
 * requests, one at a time over one kept-alive connection, timed finely.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

import autocannon from 'autocannon';

import type { BenchRequest } from './processes';

/** What a load run measured. */
export interface LoadResult {
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  answered2xx: number;
  /** Answers other than 2xx, and connection errors (timeouts among them). */
  failed: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
}

/** Sends `pool` to `url` under load and returns what was measured. */
export async function runLoad(
  url: string,
  pool: BenchRequest[],
  options: LoadOptions
): Promise<LoadResult> {
  const share = Math.floor(pool.length / options.connections);
  if (share < 1) throw new Error('fewer requests than connections');
  let nextShare = 0;

  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    setupClient: (client) => {
      const start = (nextShare++ % options.connections) * share;
      client.setRequests(
        pool.slice(start, start + share).map((request) => ({
          method: 'POST',
          path: '/',
          headers: request.headers,
          body: request.body,
        }))
      );
    },
  });

  return {
    seconds: result.duration,
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    answered2xx: result['2xx'],
    failed: result.non2xx + result.errors,
  };
}

/** Returns the value below which `share` of the sorted values fall. */
function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}

function post(url: URL, agent: http.Agent, request: BenchRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: request.headers, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      }
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/**
 * Sends `count` requests from `pool` one after another, each only once the
 * last was answered, and returns their latencies.
 */
export async function runLone(
  url: string,
  pool: BenchRequest[],
  count: number
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const latencies: number[] = [];
  let answered2xx = 0;
  const startedAt = performance.now();

  try {
    for (let index = 0; index < count; index++) {
      const sentAt = performance.now();
      const request = pool[index % pool.length];
      const status = await post(target, agent, request).catch(() => 0);
      latencies.push(performance.now() - sentAt);
      if (status >= 200 && status <= 299) answered2xx++;
    }
  } finally {
    agent.destroy();
  }

  latencies.sort((a, b) => a - b);
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    seconds,
    requestsPerSecond: answered2xx / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    answered2xx,
    failed: count - answered2xx,
  };
}
