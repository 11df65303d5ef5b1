import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { main } from '../../cli/secrets';
import { crc32c } from '../../cli/secrets/crc32c';
import { credentialNames } from '../../cli/secrets/credentials';
import { SecretManagerFake } from '../support/secret-manager-fake';

const project = 'secrets-test';
const values = {
  STRIPE_WEBHOOK_SECRET: 'whsec_webhookValue1, whsec_webhookValue2',
  STRIPE_SECRET_KEY: 'rk_test_stripeKeyValue',
  MOLTIN_CLIENT_ID: 'moltin-client-id-value',
  MOLTIN_CLIENT_SECRET: 'moltin-client-secret-value',
};

let fake: SecretManagerFake;
let dir: string;

beforeEach(async () => {
  fake = await SecretManagerFake.start(project);
  fake.createSecrets(...credentialNames);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-cli-'));
});

afterEach(async () => {
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeEnvFile(entries: Record<string, string>, name = '.env'): void {
  const text = Object.entries(entries)
    .map(([key, value]) => `${key}="${value}"`)
    .join('\n');
  fs.writeFileSync(path.join(dir, name), `# credentials\n${text}\n`);
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(
    argv,
    { GOOGLE_CLOUD_PROJECT: project, SECRET_MANAGER_EMULATOR_HOST: fake.host, ...env },
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    { cwd: dir }
  );
  const printed = [...out, ...err].join('\n');
  return {
    status,
    out,
    err,
    printed,
    lineFor: (name: string) => out.find((l) => l.startsWith(`${name} `)),
  };
}

function expectNoValuePrinted(printed: string): void {
  for (const value of Object.values(values)) {
    for (const part of value.split(',')) expect(printed).not.toContain(part.trim());
  }
}

describe('npm run secrets -- add', () => {
  it('adds a version of each secret from .env, and prints no value', async () => {
    writeEnvFile(values);

    const result = await run(['add']);

    expect(result.status).toBe(0);
    for (const [name, value] of Object.entries(values)) {
      expect(fake.values(name)).toEqual([value]);
      expect(result.lineFor(name)).toMatch(/added version 1 \(from \.env\)$/);
    }
    expect(result.out.at(-1)).toBe('Secrets updated: 4 of 4.');
    expect(fake.calls.map((call) => call.method)).toEqual(Array(4).fill('AddSecretVersion'));
    expectNoValuePrinted(result.printed);
  });

  it('adds a further version each time, and never reads one back', async () => {
    writeEnvFile({ STRIPE_SECRET_KEY: 'rk_test_first' });
    await run(['add', '--only', 'STRIPE_SECRET_KEY']);
    writeEnvFile({ STRIPE_SECRET_KEY: values.STRIPE_SECRET_KEY });

    const result = await run(['add', '--only', 'STRIPE_SECRET_KEY']);

    expect(result.status).toBe(0);
    expect(result.lineFor('STRIPE_SECRET_KEY')).toMatch(/added version 2/);
    expect(fake.values('STRIPE_SECRET_KEY')).toEqual(['rk_test_first', values.STRIPE_SECRET_KEY]);
    expect(fake.values('MOLTIN_CLIENT_ID')).toEqual([]);
    expect(fake.calls.every((call) => call.method === 'AddSecretVersion')).toBe(true);
  });

  it('reports a secret that does not exist in the project, and adds the others', async () => {
    await fake.stop();
    fake = await SecretManagerFake.start(project);
    fake.createSecrets('STRIPE_WEBHOOK_SECRET', 'STRIPE_SECRET_KEY', 'MOLTIN_CLIENT_ID');
    writeEnvFile(values);

    const result = await run(['add']);

    expect(result.status).toBe(1);
    expect(result.lineFor('MOLTIN_CLIENT_SECRET')).toMatch(
      /not added: secret MOLTIN_CLIENT_SECRET does not exist in project secrets-test: create it/
    );
    expect(fake.values('MOLTIN_CLIENT_ID')).toEqual([values.MOLTIN_CLIENT_ID]);
    expect(result.out.at(-1)).toMatch(/^Secrets updated: 3 of 4;/);
    expectNoValuePrinted(result.printed);
  });

  it('reports permission denied with the role that is missing', async () => {
    fake.deny('STRIPE_SECRET_KEY');
    writeEnvFile(values);

    const result = await run(['add']);

    expect(result.status).toBe(1);
    expect(result.lineFor('STRIPE_SECRET_KEY')).toMatch(
      /not added: permission denied: your account needs roles\/secretmanager\.secretVersionAdder/
    );
    expect(fake.values('STRIPE_SECRET_KEY')).toEqual([]);
    expect(fake.values('STRIPE_WEBHOOK_SECRET')).toEqual([values.STRIPE_WEBHOOK_SECRET]);
  });

  it('adds nothing for an empty value, and says so', async () => {
    writeEnvFile({ ...values, MOLTIN_CLIENT_ID: '   ' });

    const result = await run(['add']);

    expect(result.status).toBe(1);
    expect(result.lineFor('MOLTIN_CLIENT_ID')).toMatch(/empty in \.env; nothing added$/);
    expect(fake.calls.map((call) => call.name)).not.toContain(
      `projects/${project}/secrets/MOLTIN_CLIENT_ID`
    );
    expect(fake.values('MOLTIN_CLIENT_ID')).toEqual([]);
  });

  it('reports a value set nowhere, and one that has the wrong shape', async () => {
    const { MOLTIN_CLIENT_SECRET: _missing, ...rest } = values;
    writeEnvFile({ ...rest, STRIPE_SECRET_KEY: 'whsec_pasted_in_the_wrong_place' });

    const result = await run(['add']);

    expect(result.status).toBe(1);
    expect(result.lineFor('MOLTIN_CLIENT_SECRET')).toMatch(
      /missing: not set in \.env or the environment; nothing added$/
    );
    expect(result.lineFor('STRIPE_SECRET_KEY')).toMatch(
      /not added: the value in \.env is not a Stripe secret or restricted key/
    );
    expect(fake.values('STRIPE_SECRET_KEY')).toEqual([]);
    expect(result.printed).not.toContain('whsec_pasted_in_the_wrong_place');
  });

  it('reads the environment without a file, and lets a named file win over it', async () => {
    const fromEnvironment = await run(['add'], { ...values });

    expect(fromEnvironment.status).toBe(0);
    expect(fromEnvironment.lineFor('STRIPE_SECRET_KEY')).toMatch(/\(from the environment\)$/);

    writeEnvFile({ STRIPE_SECRET_KEY: 'rk_live_fromTheFile' }, 'production.env');
    const fromFile = await run(
      ['add', '--env-file', 'production.env', '--only', 'STRIPE_SECRET_KEY'],
      { STRIPE_SECRET_KEY: 'rk_test_fromTheShell' }
    );

    expect(fromFile.lineFor('STRIPE_SECRET_KEY')).toMatch(/\(from production\.env\)$/);
    expect(fake.values('STRIPE_SECRET_KEY').at(-1)).toBe('rk_live_fromTheFile');
  });

  it('sends each value with its CRC32C, which the fake verifies', async () => {
    writeEnvFile(values);

    await run(['add']);

    expect(fake.calls.map((call) => call.checksum)).toEqual(Array(4).fill('matched'));
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('is refused by the fake when the checksum does not match', async () => {
    const client = fake.client();
    const data = Buffer.from('a value');

    await expect(
      client.addSecretVersion({
        parent: `projects/${project}/secrets/MOLTIN_CLIENT_ID`,
        payload: { data, dataCrc32c: crc32c(data) + 1 },
      })
    ).rejects.toMatchObject({ code: 3 });
    expect(fake.values('MOLTIN_CLIENT_ID')).toEqual([]);
    await client.close();
  });
});

describe('npm run secrets -- status', () => {
  it('says which secrets have a value, without reading one', async () => {
    fake.setVersions('STRIPE_WEBHOOK_SECRET', ['ENABLED', 'ENABLED']);
    fake.setVersions('STRIPE_SECRET_KEY', ['ENABLED', 'DISABLED']);
    fake.deny('MOLTIN_CLIENT_SECRET');

    const result = await run(['status']);

    expect(result.status).toBe(1);
    expect(result.lineFor('STRIPE_WEBHOOK_SECRET')).toMatch(
      /has a value \(version 2, added 2026-01-02T03:04:05\.000Z\)$/
    );
    expect(result.lineFor('STRIPE_SECRET_KEY')).toMatch(
      /latest version 2 is DISABLED: add a new one$/
    );
    expect(result.lineFor('MOLTIN_CLIENT_ID')).toMatch(
      /no value yet: add one with `npm run secrets -- add`$/
    );
    expect(result.lineFor('MOLTIN_CLIENT_SECRET')).toMatch(
      /permission denied: .*roles\/secretmanager\.viewer/
    );
    expect(result.out.at(-1)).toMatch(/^Secrets with a value: 1 of 4;/);
    expect(fake.calls.map((call) => call.method)).not.toContain('AccessSecretVersion');
  });

  it('reports a secret missing from the project', async () => {
    await fake.stop();
    fake = await SecretManagerFake.start(project);

    const result = await run(['status', '--only', 'MOLTIN_CLIENT_ID']);

    expect(result.status).toBe(1);
    expect(result.lineFor('MOLTIN_CLIENT_ID')).toMatch(/does not exist in project secrets-test/);
  });

  it('exits 0 when every secret has a value', async () => {
    for (const name of credentialNames) fake.setVersions(name, ['ENABLED']);

    const result = await run(['status']);

    expect(result.status).toBe(0);
    expect(result.out.at(-1)).toBe('Secrets with a value: 4 of 4.');
  });
});

describe('npm run secrets, when it cannot run', () => {
  it('stops at once when Secret Manager cannot be reached', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    writeEnvFile(values);

    const result = await run(['add'], { SECRET_MANAGER_EMULATOR_HOST: `127.0.0.1:${closed}` });

    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toMatch(/cannot reach Secret Manager/);
    expect(result.out.filter((line) => line.startsWith('STRIPE'))).toEqual([]);
  });

  it('refuses to send values to an emulator that is not on this machine', async () => {
    writeEnvFile(values);

    const result = await run(['add'], { SECRET_MANAGER_EMULATOR_HOST: '10.1.2.3:8085' });

    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toMatch(/must be a loopback host:port/);
  });

  it.each([
    [
      ['add'],
      { GOOGLE_CLOUD_PROJECT: '' },
      /no project: pass --project or set GOOGLE_CLOUD_PROJECT/,
    ],
    [[], {}, /no command given/],
    [['rotate'], {}, /unknown command rotate/],
    [['add', '--only', 'STRIPE_KEY'], {}, /--only takes secret names from .*, not STRIPE_KEY/],
    [['status', '--env-file', '.env'], {}, /--env-file applies to add only/],
    [['add', '--env-file', 'absent.env'], {}, /cannot read absent\.env/],
  ])('rejects %j before contacting anything', async (argv, env, message) => {
    const result = await run(argv, env);

    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toMatch(message);
    expect(fake.calls).toEqual([]);
  });

  it('runs as a command, compiled, with its exit status', async () => {
    writeEnvFile({ ...values, MOLTIN_CLIENT_SECRET: '' });
    const command = path.join(__dirname, '..', '..', 'dist', 'cli', 'secrets.js');

    const child = spawn(process.execPath, [command, 'add'], {
      cwd: dir,
      env: {
        ...process.env,
        GOOGLE_CLOUD_PROJECT: project,
        SECRET_MANAGER_EMULATOR_HOST: fake.host,
      },
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const status = await new Promise((resolve) => child.on('close', resolve));

    expect(status).toBe(1);
    expect(stdout).toMatch(/^MOLTIN_CLIENT_SECRET +empty in \.env; nothing added$/m);
    expect(fake.values('STRIPE_WEBHOOK_SECRET')).toEqual([values.STRIPE_WEBHOOK_SECRET]);
    expectNoValuePrinted(stdout);
  });

  it('prints its usage on --help', async () => {
    const result = await run(['--help']);

    expect(result.status).toBe(0);
    expect(result.printed).toMatch(/Usage: npm run secrets -- <command>/);
  });
});
