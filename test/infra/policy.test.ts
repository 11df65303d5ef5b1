import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadModule } from './check/module';
import { checkPolicies, credentialLiterals } from './check/policy';
import { describeProblems, findings } from './check/problems';
import { checkReferences } from './check/references';
import { checkSchema, loadSchema } from './check/schema';
import { brokenCopy, infraDir } from './paths';

const schema = loadSchema();

/** Returns what one rule finds in its broken copy. */
async function ruleFindings(rule: string): Promise<string[]> {
  const problems = await checkPolicies(await loadModule(brokenCopy(rule)));
  return findings(problems.filter((problem) => problem.rule === rule));
}

describe("infra/ keeps the service's rules", () => {
  it('breaks none', async () => {
    const problems = await checkPolicies(await loadModule(infraDir));

    expect(describeProblems(problems)).toBe('no problems');
  });

  it('holds no credential in terraform.tfvars.example', () => {
    const example = fs.readFileSync(path.join(infraDir, 'terraform.tfvars.example'), 'utf8');

    expect(credentialLiterals(example)).toEqual([]);
    expect(
      credentialLiterals('key = "sk_live_0123456789"\nok = 1\nhook = "whsec_abcdefgh"')
    ).toEqual([1, 3]);
  });
});

describe('each rule catches the mistakes planted in its broken copy', () => {
  const copies = [
    'no-primitive-role',
    'push-subscription',
    'dead-letter-wiring',
    'public-access',
    'invoker-identity',
    'secret-in-state',
  ];

  it.each(copies)('%s is otherwise a valid configuration', async (copy) => {
    const module = await loadModule(brokenCopy(copy));
    const problems = [
      ...checkSchema(module, schema),
      ...(await checkReferences(module, schema)).filter((p) => p.rule !== 'unused-declaration'),
    ];

    expect(describeProblems(problems)).toBe('no problems');
  });

  it('no-primitive-role: owner through a local, editor directly', async () => {
    expect(await ruleFindings('no-primitive-role')).toEqual([
      'no-primitive-role google_project_iam_member.editor',
      'no-primitive-role local.deployer_roles',
    ]);
  });

  it('push-subscription: no OIDC token, audience, retry or dead-letter policy', async () => {
    expect(await ruleFindings('push-subscription')).toEqual([
      'push-subscription google_pubsub_subscription.no_audience',
      'push-subscription google_pubsub_subscription.no_dead_letter_policy',
      'push-subscription google_pubsub_subscription.no_oidc',
      'push-subscription google_pubsub_subscription.no_retry_policy',
    ]);
  });

  it('dead-letter-wiring: unheld, unwritable topic; no acknowledger; foreign topic', async () => {
    const problems = await checkPolicies(await loadModule(brokenCopy('dead-letter-wiring')));

    expect(findings(problems)).toEqual([
      'dead-letter-wiring google_pubsub_subscription.elsewhere',
      'dead-letter-wiring google_pubsub_subscription.unacknowledged',
      'dead-letter-wiring google_pubsub_topic.unwired_dead_letter',
      'dead-letter-wiring google_pubsub_topic.unwired_dead_letter',
    ]);
    const onTopic = problems.filter((p) => p.address === 'google_pubsub_topic.unwired_dead_letter');
    expect(onTopic.map((p) => p.message).join('\n')).toMatch(
      /no subscription holds[^]*may not publish/
    );
  });

  it('public-access: refundSync and a bucket public, the webhook an admin', async () => {
    expect(await ruleFindings('public-access')).toEqual([
      'public-access google_cloud_run_v2_service_iam_member.refund_sync_public',
      'public-access google_cloud_run_v2_service_iam_member.webhook_public_admin',
      'public-access google_storage_bucket_iam_member.source_public',
    ]);
  });

  it('invoker-identity: strangers invoke refundSync, the pusher not audit', async () => {
    expect(await ruleFindings('invoker-identity')).toEqual([
      'invoker-identity google_cloud_run_v2_service_iam_member.refund_sync_webhook',
      'invoker-identity google_cloudfunctions2_function.audit',
      'invoker-identity google_cloudfunctions2_function_iam_member.refund_sync_operator',
    ]);
  });

  it('secret-in-state: variable, version, read value, plain env, literal', async () => {
    const problems = await checkPolicies(await loadModule(brokenCopy('secret-in-state')));

    expect(findings(problems)).toEqual([
      'secret-in-state data.google_secret_manager_secret_version.webhook_secret',
      'secret-in-state google_cloudfunctions2_function.refund_sync',
      'secret-in-state google_cloudfunctions2_function.webhook',
      'secret-in-state google_secret_manager_secret_version.stripe_secret_key',
      'secret-in-state main.tf:63',
      'secret-in-state var.stripe_secret_key',
    ]);
    const messages = problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/MOLTIN_CLIENT_SECRET is a plain environment variable/);
    expect(messages).toMatch(/STRIPE_WEBHOOK_SECRET is a plain environment variable/);
    expect(messages).not.toMatch(/ORDER_ID_METADATA_KEY/);
  });
});
