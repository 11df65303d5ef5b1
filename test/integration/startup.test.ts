import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { repoRoot } from '../../local/pipeline';

const framework = path.join(repoRoot, 'node_modules/@google-cloud/functions-framework/build/src/main.js');

function start(target: string, env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(STRIPE|MOLTIN|GOOGLE_CLOUD|PUBSUB)_/.test(name))
  );
  return spawnSync(process.execPath, [framework, `--target=${target}`, '--port=0', `--source=${repoRoot}`], {
    cwd: repoRoot,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('start-up with a bad configuration', () => {
  it('stops the webhook, naming the missing variable', () => {
    const result = start('stripeWebhook', { GOOGLE_CLOUD_PROJECT: 'p' });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('STRIPE_WEBHOOK_SECRET is not set');
  });

  it('stops refundSync, naming the missing variable', () => {
    const result = start('refundSync', {
      GOOGLE_CLOUD_PROJECT: 'p',
      STRIPE_SECRET_KEY: 'sk_test_x',
      MOLTIN_CLIENT_ID: 'id',
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('MOLTIN_CLIENT_SECRET is not set');
  });
});
