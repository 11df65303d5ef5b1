/**
 * `npm start`: runs the whole pipeline on this machine and prints every
 * function's log line, until Ctrl-C. With no Moltin credentials in the
 * environment it also runs the Moltin sandbox with sample orders, and with
 * no Stripe key a local Stripe stand-in for PaymentIntent lookups.
 */
import { MoltinSandbox } from './moltin-sandbox';
import { startPipeline, type MoltinTarget, type RunningPipeline } from './pipeline';
import { localDefaults, loadSampleOrders, sampleOrders } from './sample-data';
import { StripeFake } from './stripe-fake';

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name} must be a port number`);
  }
  return value;
}

function printLine(source: string, line: string): void {
  let entry: Record<string, unknown> | undefined;
  try {
    entry = JSON.parse(line);
  } catch {
    entry = undefined;
  }
  if (!entry || typeof entry.message !== 'string') {
    console.log(`[${source}] ${line}`);
    return;
  }

  const { severity, message, ...fields } = entry;
  const ids = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  console.log(`[${source}] ${String(severity).padEnd(7)} ${message}${ids ? `  ${ids}` : ''}`);
}

async function main(): Promise<void> {
  const env = process.env;
  const stops: (() => Promise<void>)[] = [];
  let pipeline: RunningPipeline | undefined;

  const stopAll = async () => {
    await pipeline?.stop();
    for (const stop of stops.reverse()) await stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    let moltin: MoltinTarget;
    if (env.MOLTIN_CLIENT_ID && env.MOLTIN_CLIENT_SECRET) {
      moltin = {
        url: env.MOLTIN_API_URL,
        clientId: env.MOLTIN_CLIENT_ID,
        clientSecret: env.MOLTIN_CLIENT_SECRET,
      };
      console.log(`Moltin: the store at ${env.MOLTIN_API_URL ?? "the SDK's default host"}`);
    } else {
      const sandbox = new MoltinSandbox({
        clientId: localDefaults.moltinClientId,
        clientSecret: localDefaults.moltinClientSecret,
        port: port('MOLTIN_SANDBOX_PORT', localDefaults.moltinPort),
      });
      loadSampleOrders(sandbox);
      await sandbox.start();
      stops.push(() => sandbox.stop());
      moltin = {
        url: sandbox.url,
        clientId: localDefaults.moltinClientId,
        clientSecret: localDefaults.moltinClientSecret,
      };
      console.log(`Moltin sandbox: ${sandbox.url}, sample orders:`);
      for (const [name, sample] of Object.entries(sampleOrders)) {
        console.log(`  ${name.padEnd(16)} order ${sample.orderId}  ${sample.gateway} reference ${sample.reference}`);
      }
    }

    let stripeSecretKey = env.STRIPE_SECRET_KEY;
    let stripeApiUrl = env.STRIPE_API_URL;
    if (!stripeSecretKey) {
      const stripe = new StripeFake(localDefaults.stripeSecretKey);
      const intent = sampleOrders['order-on-intent'];
      stripe.paymentIntents.set(intent.paymentIntentId, { order_id: intent.orderId });
      await stripe.start(port('STRIPE_FAKE_PORT', localDefaults.stripePort));
      stops.push(() => stripe.stop());
      stripeSecretKey = localDefaults.stripeSecretKey;
      stripeApiUrl = stripe.url;
    }

    console.log('Starting the Pub/Sub emulator and both functions...');
    pipeline = await startPipeline({
      projectId: env.GOOGLE_CLOUD_PROJECT || 'local-project',
      webhookSecret: env.STRIPE_WEBHOOK_SECRET || localDefaults.webhookSecret,
      stripeSecretKey,
      stripeApiUrl,
      moltin,
      ports: {
        emulator: port('PUBSUB_EMULATOR_PORT', localDefaults.emulatorPort),
        webhook: port('WEBHOOK_PORT', localDefaults.webhookPort),
        refundSync: port('REFUND_SYNC_PORT', localDefaults.refundSyncPort),
      },
      onLog: printLine,
    });

    console.log(
      [
        '',
        `Pub/Sub emulator:  ${pipeline.emulator.host} (project ${pipeline.projectId})`,
        `stripeWebhook:     ${pipeline.webhook.url}`,
        `refundSync:        ${pipeline.refundSync.url} (push endpoint)`,
        '',
        `Send a signed sample event:  ${
          pipeline.webhook.port === localDefaults.webhookPort ? '' : `WEBHOOK_PORT=${pipeline.webhook.port} `
        }npm run sample-event`,
        `Inspect dead letters:        PUBSUB_EMULATOR_HOST=${pipeline.emulator.host} GOOGLE_CLOUD_PROJECT=${pipeline.projectId} npm run dlq -- list`,
        'Stop with Ctrl-C.',
        '',
      ].join('\n')
    );
  } catch (error) {
    console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(
      'Ports can be moved with WEBHOOK_PORT, REFUND_SYNC_PORT, PUBSUB_EMULATOR_PORT, ' +
        'MOLTIN_SANDBOX_PORT and STRIPE_FAKE_PORT.'
    );
    await stopAll();
    process.exit(1);
  }
}

void main();
