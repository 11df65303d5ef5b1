/**
 * Hides a customer's personal details in what the CLI prints, so a dead
 * letter can be shown on a shared screen or pasted into a ticket.
 */

/** What a masked value is replaced with. */
export const masked = '[masked]';

// Stripe names these fields `email`, `receipt_email`, `name`, `phone`,
// `address`, and, on older sources, `address_line1`, `address_zip` and so on.
const personalKey = /(^|_)(email|name|phone)$|(^|_)address(_|$)/i;

const emailPattern = /[^\s"'<>@,;:()[\]]+@[^\s"'<>@,;:()[\]]+\.[A-Za-z]{2,}/g;

/** Returns the text with every email address in it masked. */
export function maskEmails(text: string): string {
  return text.replace(emailPattern, masked);
}

/**
 * Returns a copy of a decoded JSON value with the values of personal fields
 * masked (at any depth) and email addresses masked wherever they appear.
 */
export function maskPersonalData(value: unknown): unknown {
  if (typeof value === 'string') return maskEmails(value);
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (typeof value !== 'object' || value === null) return value;

  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // An absent detail stays visibly absent.
    const hidden = personalKey.test(key) && field !== null && field !== '';
    copy[key] = hidden ? masked : maskPersonalData(field);
  }
  return copy;
}
