import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

describe('loopback-only guard', () => {
  const shared = process.env.LOOPBACK_VIOLATIONS_FILE;
  const local = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'guard-')),
    'violations.log'
  );

  // This test provokes a refusal on purpose: record it apart from the run's.
  beforeAll(() => (process.env.LOOPBACK_VIOLATIONS_FILE = local));
  afterAll(() => (process.env.LOOPBACK_VIOLATIONS_FILE = shared));

  it('refuses and records a connection outside loopback', () => {
    expect(() => net.connect(80, '192.0.2.1')).toThrow(/loopback-only/);
    expect(fs.readFileSync(local, 'utf8')).toContain('192.0.2.1');
  });

  it('lets a loopback connection through', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;

    const closed = new Promise((resolve) => net.connect(port, '127.0.0.1').on('close', resolve));

    await expect(closed).resolves.toBe(false);
    server.close();
  });
});
