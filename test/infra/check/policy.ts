/**
 * The service's security and reliability rules, checked on a module:
 *
 * - no-primitive-role: nobody is granted owner, editor or viewer;
 * - push-subscription: a push subscription authenticates with an OIDC
 *   token and has a retry and a dead-letter policy;
 * - dead-letter-wiring: a dead-letter topic has a subscription that holds
 *   its messages, and Pub/Sub's service agent may publish to it and
 *   acknowledge on the subscription it forwards from;
 * - public-access: only the webhook function is public;
 * - invoker-identity: a pushed-to function is invokable by its push
 *   identity and by nobody else;
 * - secret-in-state: no credential value is in the configuration, in a
 *   secret version, in a plain environment variable or in a variable.
 */
import { addressesIn, block, blockAt, expandKnown, keysSet, stringsIn } from './expressions';
import type { Declaration, HclBody, HclValue, TerraformModule } from './module';
import type { Problem } from './problems';

/** Entry points of the functions that must be public: Stripe cannot sign in. */
export const publicEntryPoints = new Set(['stripeWebhook']);

const primitiveRole = /(^|[^\w./-])roles\/(owner|editor|viewer)(?![\w.-])/;
const publicMembers = new Set(['allUsers', 'allAuthenticatedUsers']);
const invokerRoles = new Set(['roles/run.invoker', 'roles/cloudfunctions.invoker']);
const pubsubServiceAgent = /^serviceAccount:service-.+@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/;

/** IAM resources that grant calling a function, and the argument naming it. */
const invokerGrants: Record<string, string> = {
  google_cloud_run_v2_service_iam_member: 'name',
  google_cloud_run_v2_service_iam_binding: 'name',
  google_cloud_run_service_iam_member: 'service',
  google_cloud_run_service_iam_binding: 'service',
  google_cloudfunctions2_function_iam_member: 'cloud_function',
  google_cloudfunctions2_function_iam_binding: 'cloud_function',
};

/** Strings that look like Stripe credentials. */
const credentialLiteral = /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{6,}|\bwhsec_[0-9A-Za-z]{6,}/;
/** Names that say a value is a credential. */
const credentialName = /secret|password|token|api_?key|private_?key|client_?id/i;
const secretValueSources = new Set([
  'google_secret_manager_secret_version',
  'google_secret_manager_secret_version_access',
  'google_secret_manager_regional_secret_version',
  'google_secret_manager_regional_secret_version_access',
]);

interface Context {
  module: TerraformModule;
  problems: Problem[];
}

function report(
  context: Context,
  declaration: { file: string; address: string },
  rule: string,
  message: string
): void {
  context.problems.push({ rule, file: declaration.file, address: declaration.address, message });
}

function ofType(module: TerraformModule, ...types: string[]): Declaration[] {
  return module.resources.filter((resource) => types.includes(resource.type));
}

function text(value: HclValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Returns the members an IAM resource grants: `member` or `members`. */
function members(context: Context, grant: Declaration): string[] {
  const listed = [
    grant.body.member,
    ...(Array.isArray(grant.body.members) ? grant.body.members : []),
  ];
  return listed
    .filter((value): value is string => typeof value === 'string')
    .map((value) => expandKnown(value, context.module));
}

/**
 * Returns true when an argument's value names a declaration: refers to it,
 * or equals its name (or ends with `/name`, as a resource path does).
 */
async function names(
  context: Context,
  value: HclValue | undefined,
  target: Declaration
): Promise<boolean> {
  if ((await addressesIn(value, context.module)).has(target.address)) return true;

  const literal = text(value);
  const name = text(target.body.name);
  if (literal === undefined || name === undefined) return false;
  const [given, own] = [expandKnown(literal, context.module), expandKnown(name, context.module)];
  return given === own || given.endsWith(`/${own}`);
}

async function named(
  context: Context,
  value: HclValue | undefined,
  candidates: Declaration[]
): Promise<Declaration[]> {
  const found: Declaration[] = [];
  for (const candidate of candidates) {
    if (await names(context, value, candidate)) found.push(candidate);
  }
  return found;
}

function checkPrimitiveRoles(context: Context): void {
  const { module } = context;
  const sources: { file: string; address: string; value: HclValue }[] = [
    ...[...module.resources, ...module.dataSources].map((d) => ({ ...d, value: d.body })),
    ...module.locals.map((local) => ({ ...local, address: `local.${local.name}` })),
    ...module.variables.map((v) => ({
      ...v,
      address: `var.${v.name}`,
      value: v.value.default ?? null,
    })),
  ];
  for (const source of sources) {
    const role = stringsIn(source.value).find((value) => primitiveRole.test(value));
    if (role) {
      report(
        context,
        source,
        'no-primitive-role',
        `grants ${role.match(primitiveRole)?.[0].trim()}, a primitive role; ` +
          'grant a predefined role on the resource instead'
      );
    }
  }
}

function pushSubscriptions(module: TerraformModule): Declaration[] {
  return ofType(module, 'google_pubsub_subscription').filter((s) => block(s.body, 'push_config'));
}

function checkPushSubscriptions(context: Context): void {
  for (const subscription of pushSubscriptions(context.module)) {
    const oidc = blockAt(subscription.body, 'push_config.oidc_token');
    if (!oidc?.service_account_email) {
      report(
        context,
        subscription,
        'push-subscription',
        'push_config has no oidc_token: the endpoint cannot tell Pub/Sub from anyone else'
      );
    } else if (!oidc.audience) {
      report(
        context,
        subscription,
        'push-subscription',
        'oidc_token has no audience: set it to the endpoint it is for'
      );
    }
    if (!block(subscription.body, 'retry_policy')) {
      report(
        context,
        subscription,
        'push-subscription',
        'no retry_policy: failed deliveries are retried at once, without backoff'
      );
    }
    const deadLetter = block(subscription.body, 'dead_letter_policy');
    if (!deadLetter?.dead_letter_topic || deadLetter.max_delivery_attempts === undefined) {
      report(
        context,
        subscription,
        'push-subscription',
        'no dead_letter_policy with a topic and max_delivery_attempts: ' +
          'a failing event is retried for 7 days, then lost'
      );
    }
  }
}

async function grantsToServiceAgent(
  context: Context,
  types: string[],
  targetArgument: string,
  role: string,
  target: Declaration
): Promise<boolean> {
  for (const grant of ofType(context.module, ...types)) {
    if (grant.body.role !== role) continue;
    if (!members(context, grant).some((member) => pubsubServiceAgent.test(member))) continue;
    if (await names(context, grant.body[targetArgument], target)) return true;
  }
  return false;
}

async function checkDeadLetterWiring(context: Context): Promise<void> {
  const topics = ofType(context.module, 'google_pubsub_topic');
  const subscriptions = ofType(context.module, 'google_pubsub_subscription');
  const checkedTopics = new Set<string>();

  for (const subscription of subscriptions) {
    const policy = block(subscription.body, 'dead_letter_policy');
    if (!policy) continue;

    const [topic] = await named(context, policy.dead_letter_topic, topics);
    if (!topic) {
      report(
        context,
        subscription,
        'dead-letter-wiring',
        'dead_letter_topic names no topic of this configuration'
      );
      continue;
    }

    const acknowledges = await grantsToServiceAgent(
      context,
      ['google_pubsub_subscription_iam_member', 'google_pubsub_subscription_iam_binding'],
      'subscription',
      'roles/pubsub.subscriber',
      subscription
    );
    if (!acknowledges) {
      report(
        context,
        subscription,
        'dead-letter-wiring',
        "Pub/Sub's service agent is not a subscriber here, so it cannot forward dead letters"
      );
    }

    if (checkedTopics.has(topic.address)) continue;
    checkedTopics.add(topic.address);

    let held = false;
    for (const other of subscriptions) {
      if (other === subscription) continue;
      held ||= await names(context, other.body.topic, topic);
    }
    if (!held) {
      report(
        context,
        topic,
        'dead-letter-wiring',
        "no subscription holds this dead-letter topic's messages, so they are dropped"
      );
    }
    const publishes = await grantsToServiceAgent(
      context,
      ['google_pubsub_topic_iam_member', 'google_pubsub_topic_iam_binding'],
      'topic',
      'roles/pubsub.publisher',
      topic
    );
    if (!publishes) {
      report(
        context,
        topic,
        'dead-letter-wiring',
        "Pub/Sub's service agent may not publish here, so dead-lettering fails silently"
      );
    }
  }
}

function entryPoint(fn: Declaration): string | undefined {
  return text(blockAt(fn.body, 'build_config')?.entry_point);
}

/** Returns the functions an invoker grant applies to. */
async function invokedFunctions(context: Context, grant: Declaration): Promise<Declaration[]> {
  const argument = invokerGrants[grant.type];
  const functions = ofType(context.module, 'google_cloudfunctions2_function');
  return named(context, grant.body[argument], functions);
}

async function checkPublicAccess(context: Context): Promise<void> {
  for (const declaration of [...context.module.resources, ...context.module.dataSources]) {
    const granted = stringsIn(declaration.body).filter((value) => publicMembers.has(value));
    if (granted.length === 0) continue;

    const isInvoker =
      declaration.type in invokerGrants && invokerRoles.has(String(declaration.body.role));
    const targets = isInvoker ? await invokedFunctions(context, declaration) : [];
    const onlyPublicFunctions =
      targets.length > 0 && targets.every((fn) => publicEntryPoints.has(entryPoint(fn) ?? ''));
    if (!onlyPublicFunctions) {
      report(
        context,
        declaration,
        'public-access',
        `grants ${granted[0]} access; only the Stripe webhook may be public`
      );
    }
  }
}

async function checkInvokerIdentity(context: Context): Promise<void> {
  const functions = ofType(context.module, 'google_cloudfunctions2_function');
  const grants = context.module.resources.filter((resource) => resource.type in invokerGrants);

  for (const fn of functions) {
    if (publicEntryPoints.has(entryPoint(fn) ?? '')) continue;

    // The identities its push subscriptions sign their requests as.
    const identities = new Set<string>();
    for (const subscription of pushSubscriptions(context.module)) {
      const push = block(subscription.body, 'push_config') as HclBody;
      if (!(await names(context, push.push_endpoint, fn))) continue;
      const email = blockAt(subscription.body, 'push_config.oidc_token')?.service_account_email;
      for (const address of await addressesIn(email, context.module)) identities.add(address);
    }

    const granted = new Set<string>();
    for (const grant of grants) {
      if (!(await invokedFunctions(context, grant)).includes(fn)) continue;
      for (const member of [grant.body.member, grant.body.members]) {
        if (member === undefined) continue;
        // A public grant is the public-access rule's to report.
        if (stringsIn(member).some((value) => publicMembers.has(value))) continue;
        const addresses = await addressesIn(member, context.module);
        const strangers = [...addresses].filter((address) => !identities.has(address));
        if (addresses.size === 0 || strangers.length > 0) {
          report(
            context,
            grant,
            'invoker-identity',
            `may invoke ${fn.address}, which only its push subscription's identity may`
          );
        }
        addresses.forEach((address) => granted.add(address));
      }
    }
    for (const identity of identities) {
      if (!granted.has(identity)) {
        report(
          context,
          fn,
          'invoker-identity',
          `${identity} pushes to it but may not invoke it, so every delivery fails`
        );
      }
    }
  }
}

/** Returns the lines of a text that hold something like a credential. */
export function credentialLiterals(source: string): number[] {
  return source
    .split('\n')
    .map((line, index) => (credentialLiteral.test(line) ? index + 1 : 0))
    .filter((line) => line > 0);
}

/** Returns the names of every environment_variables map, at any depth. */
function environmentNames(value: HclValue | undefined): string[] {
  if (Array.isArray(value)) return value.flatMap(environmentNames);
  if (typeof value !== 'object' || value === null) return [];
  const own = 'environment_variables' in value ? keysSet(value.environment_variables) : [];
  return [...own, ...Object.values(value).flatMap(environmentNames)];
}

function checkSecrets(context: Context): void {
  const { module } = context;
  for (const file of module.files) {
    for (const line of credentialLiterals(file.text)) {
      report(
        context,
        { file: file.name, address: `${file.name}:${line}` },
        'secret-in-state',
        'holds what looks like a Stripe credential'
      );
    }
  }

  for (const declaration of [...module.resources, ...module.dataSources]) {
    if (!secretValueSources.has(declaration.type)) continue;
    const holdsValue =
      declaration.kind === 'data' ||
      'secret_data' in declaration.body ||
      'secret_data_wo' in declaration.body;
    if (holdsValue) {
      report(
        context,
        declaration,
        'secret-in-state',
        'puts a secret value through Terraform; add values with `npm run secrets`'
      );
    }
  }

  for (const declaration of module.resources) {
    const credentials = environmentNames(declaration.body).filter((n) => credentialName.test(n));
    for (const key of credentials) {
      report(
        context,
        declaration,
        'secret-in-state',
        `${key} is a plain environment variable; pass it with secret_environment_variables`
      );
    }
  }

  for (const variable of module.variables.filter((v) => credentialName.test(v.name))) {
    report(
      context,
      { file: variable.file, address: `var.${variable.name}` },
      'secret-in-state',
      'a credential must not pass through Terraform; add it with `npm run secrets`'
    );
  }
}

/** Returns every policy problem of a module. */
export async function checkPolicies(module: TerraformModule): Promise<Problem[]> {
  const context: Context = { module, problems: [] };
  checkPrimitiveRoles(context);
  checkPushSubscriptions(context);
  await checkDeadLetterWiring(context);
  await checkPublicAccess(context);
  await checkInvokerIdentity(context);
  checkSecrets(context);
  return context.problems;
}
