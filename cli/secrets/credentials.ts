/**
 * The credentials the service runs with: one Secret Manager secret each,
 * named as the environment variable the function reads it from. infra/
 * creates these secrets (locals.tf) and gives each function its own.
 */

export interface Credential {
  name: string;
  /** The function that reads it. */
  readBy: 'stripeWebhook' | 'refundSync';
  /** What a value must look like, when its shape is known. */
  shape?: { pattern: RegExp; description: string };
}

export const credentials: readonly Credential[] = [
  {
    name: 'STRIPE_WEBHOOK_SECRET',
    readBy: 'stripeWebhook',
    // Several, comma-separated, while Stripe rolls the signing secret.
    shape: {
      pattern: /^whsec_\S+(\s*,\s*whsec_\S+)*$/,
      description: "the endpoint's signing secret from Stripe (whsec_...; several comma-separated)",
    },
  },
  {
    name: 'STRIPE_SECRET_KEY',
    readBy: 'refundSync',
    shape: {
      pattern: /^(sk|rk)_(live|test)_\S+$/,
      description: 'a Stripe secret or restricted key (sk_... or rk_...)',
    },
  },
  { name: 'MOLTIN_CLIENT_ID', readBy: 'refundSync' },
  { name: 'MOLTIN_CLIENT_SECRET', readBy: 'refundSync' },
];

export const credentialNames = credentials.map((credential) => credential.name);
