/**
 * A Pub/Sub stand-in that accepts every publish at once, in a process of its
 * own. Against it the webhook's throughput is what the function itself
 * costs; against the emulator it is also what the emulator's REST front
 * costs, on the same processors. It keeps no messages, only their count.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningStandIn {
  /** `127.0.0.1:PORT`, for PUBSUB_EMULATOR_HOST. */
  host: string;
  /** Resolves with the messages it accepted. */
  accepted(): Promise<number>;
  stop(): Promise<void>;
}

const publishPath = /^\/v1\/projects\/[^/]+\/topics\/[^/]+:publish$/;

function serve(): void {
  let accepted = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/accepted') {
        res.end(String(accepted));
        return;
      }
      if (req.method !== 'POST' || !publishPath.test(req.url ?? '')) {
        res.statusCode = 404;
        res.end('{"error":{"code":404,"status":"NOT_FOUND","message":"not a publish"}}');
        return;
      }
      const { messages } = JSON.parse(Buffer.concat(chunks).toString()) as { messages: unknown[] };
      const ids = messages.map(() => String(++accepted));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ messageIds: ids }));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

/** Starts the stand-in and resolves once it is listening. */
export function startPubsubStandIn(): Promise<RunningStandIn> {
  const child = spawn(process.execPath, [__filename, '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`Pub/Sub stand-in exited (${code})`)));
    child.stdout?.once('data', (chunk: Buffer) => {
      const host = `127.0.0.1:${chunk.toString().trim()}`;
      resolve({
        host,
        accepted: async () => Number(await (await fetch(`http://${host}/accepted`)).text()),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

if (require.main === module && process.argv.includes('--serve')) serve();
