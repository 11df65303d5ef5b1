/**
 * Function processes as the benchmark runs them: each spawned under the
 * Functions Framework, timed from spawn to its first 2xx answer, and read
 * for its peak resident memory before it is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { repoRoot } from '../../local/pipeline';
import { freePort } from '../../local/ports';

const frameworkMain = path.join(
  repoRoot,
  'node_modules/@google-cloud/functions-framework/build/src/main.js'
);

/** The bare comparison function's module. */
export const bareSource = path.join(repoRoot, 'test/bench/bare');

/** Where a function's code is and what it is given. */
export interface FunctionSpec {
  label: string;
  target: string;
  source: string;
  env: Record<string, string>;
  /** Flags for node itself, such as heap limits. */
  nodeArgs?: string[];
}

/** One HTTP request, written out in full. */
export interface BenchRequest {
  headers: Record<string, string>;
  body: string;
}

export interface RunningFunction {
  spec: FunctionSpec;
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first 2xx answer. */
  coldStartMs: number;
  /** The file the process's stdout and stderr go to. */
  logFile: string;
  /** Returns the process's peak resident memory so far, in bytes. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/**
 * The V8 heap limits Node sets itself in a 256 MiB instance, the size infra/
 * deploys by default: it sizes the heap from the memory it may use, the old
 * space at half of it and the semi-space at its smallest. Left to itself on
 * this machine it sizes them for all the machine's memory, and lets the heap
 * grow far past what an instance would ever hold.
 */
export const instanceHeapFlags = [
  '--max-old-space-size=128',
  '--max-semi-space-size=1',
];

/** How long a function may take to give its first answer. */
const firstAnswerTimeoutMs = 20_000;

/** How long a function may take to stop before it is killed. */
const stopTimeoutMs = 5000;

/** How often a refused first request is tried again. */
const retryIntervalMs = 2;

/** Stops of the functions still running. */
const running = new Set<() => Promise<void>>();

/** Stops every function this module started that is still running. */
export async function stopFunctions(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

function send(
  port: number,
  request: BenchRequest
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: request.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          })
        );
        res.on('error', reject);
      }
    );
    req.setTimeout(firstAnswerTimeoutMs, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end(request.body);
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Returns a process's peak resident set size from /proc, in bytes. */
export function peakRssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Spawns a function and sends it `first` until it is listening; resolves
 * once that request is answered 2xx, and rejects if it is answered with
 * anything else, the process exits, or no answer comes in time.
 */
export async function startTimedFunction(
  spec: FunctionSpec,
  first: BenchRequest,
  logDir: string
): Promise<RunningFunction> {
  const port = await freePort();
  const logFile = path.join(logDir, `${spec.label}-${port}.log`);
  const log = fs.openSync(logFile, 'w');

  // BENCH_CPU_PROFILE=1 leaves a .cpuprofile of each function in logDir.
  const profile = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`]
    : [];

  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...(spec.nodeArgs ?? []),
      ...profile,
      frameworkMain,
      `--target=${spec.target}`,
      `--port=${port}`,
      `--source=${spec.source}`,
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ...spec.env, NODE_ENV: 'production' },
      stdio: ['ignore', log, log],
    }
  );
  fs.closeSync(log);

  const stop = async () => {
    const gone = exitOf(child);
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    await gone;
    clearTimeout(forced);
    running.delete(stop);
  };
  running.add(stop);

  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = spawnedAt + firstAnswerTimeoutMs;

  try {
    for (;;) {
      if (exited) throw new Error(`${spec.label} exited before answering`);
      if (performance.now() > deadline) {
        throw new Error(`${spec.label} not answering after ${firstAnswerTimeoutMs} ms`);
      }

      let answer: { status: number; body: string };
      try {
        answer = await send(port, first);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
        // Not listening yet.
        await new Promise((resolve) => setTimeout(resolve, retryIntervalMs));
        continue;
      }

      const coldStartMs = performance.now() - spawnedAt;
      if (answer.status < 200 || answer.status > 299) {
        throw new Error(
          `${spec.label} answered its first request ${answer.status}: ` +
            answer.body.slice(0, 300)
        );
      }
      return {
        spec,
        url: `http://127.0.0.1:${port}/`,
        pid: child.pid as number,
        coldStartMs,
        logFile,
        peakRssBytes: () => peakRssOf(child.pid as number),
        stop,
      };
    }
  } catch (error) {
    await stop();
    const output = fs.readFileSync(logFile, 'utf8').slice(-2000);
    throw new Error(`${(error as Error).message}\n${output}`);
  }
}

/** Returns the JSON lines a function logged, parsed. */
export function loggedEntries(logFile: string): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      entries.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line that is not JSON is not one of the service's entries.
    }
  }
  return entries;
}
