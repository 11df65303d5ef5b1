/**
 * How the CLI prints dead letters: a table for people, JSON for scripts, and
 * one letter in full for `show`.
 */
import { isRecord } from '../../functions/shared/json';
import { decodeData, type DeadLetter, type DeadLetterSummary } from './letter';
import { maskEmails, maskPersonalData } from './mask';

const none = '-';

/** Returns a duration as the largest whole unit: 45s, 12m, 3h, 2d. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Returns rows as columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Returns the table `list` prints. */
export function summaryTable(summaries: DeadLetterSummary[], now: Date): string[] {
  const header = [
    'MESSAGE ID',
    'EVENT ID',
    'TYPE',
    'ORDER ID',
    'CHARGE ID',
    'REASON',
    'DELIVERIES',
    'AGE',
  ];
  const rows = summaries.map((summary) => [
    summary.messageId,
    summary.eventId ?? none,
    summary.eventType ?? none,
    summary.orderId ?? none,
    summary.chargeId ?? none,
    summary.replayedAt ? `${summary.reason} (replayed)` : summary.reason,
    summary.deliveryCount === undefined ? none : String(summary.deliveryCount),
    summary.deadLetteredAt ? formatAge(now.getTime() - summary.deadLetteredAt.getTime()) : none,
  ]);
  return formatTable(header, rows);
}

/** Returns a summary as `list --json` prints it. */
export function summaryJson(summary: DeadLetterSummary, now: Date): Record<string, unknown> {
  return {
    message_id: summary.messageId,
    event_id: summary.eventId ?? null,
    event_type: summary.eventType ?? null,
    order_id: summary.orderId ?? null,
    charge_id: summary.chargeId ?? null,
    reason: summary.reason,
    detail: summary.detail ?? null,
    delivery_count: summary.deliveryCount ?? null,
    dead_lettered_at: summary.deadLetteredAt?.toISOString() ?? null,
    age_seconds: summary.deadLetteredAt
      ? Math.floor((now.getTime() - summary.deadLetteredAt.getTime()) / 1000)
      : null,
    replayed_at: summary.replayedAt ?? null,
  };
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Returns what a dead letter's data holds, for reading: the event, or the
 * push request that held no readable event (its base64 message decoded), or
 * the text itself.
 */
export function readableData(letter: DeadLetter): { kind: 'json' | 'text'; value: unknown } {
  const decoded = decodeData(letter.data);
  if (decoded === undefined) return { kind: 'text', value: letter.data.toString('utf8') };

  // refundSync dead-letters an unreadable push request whole; what Pub/Sub
  // pushed is inside it in base64.
  if (
    isRecord(decoded) &&
    isRecord(decoded.message) &&
    typeof decoded.message.data === 'string' &&
    base64Pattern.test(decoded.message.data)
  ) {
    const inner = Buffer.from(decoded.message.data, 'base64').toString('utf8');
    const innerJson = decodeData(Buffer.from(inner, 'utf8'));
    return {
      kind: 'json',
      value: {
        ...decoded,
        message: { ...decoded.message, data_decoded: innerJson ?? inner },
      },
    };
  }
  return { kind: 'json', value: decoded };
}

/** Returns the lines `show` prints for one dead letter. */
export function showLetter(
  letter: DeadLetter,
  summary: DeadLetterSummary,
  options: { unmasked: boolean; now: Date }
): string[] {
  const hide = (value: unknown) => (options.unmasked ? value : maskPersonalData(value));
  const lines = [
    `message ${letter.messageId}`,
    `  reason:   ${summary.reason}`,
  ];
  if (summary.detail) lines.push(`  detail:   ${hide(summary.detail)}`);
  if (summary.deadLetteredAt) {
    const age = formatAge(options.now.getTime() - summary.deadLetteredAt.getTime());
    lines.push(`  since:    ${summary.deadLetteredAt.toISOString()} (${age} ago)`);
  }

  lines.push('  attributes:');
  for (const name of Object.keys(letter.attributes).sort()) {
    lines.push(`    ${name}: ${hide(letter.attributes[name])}`);
  }

  const data = readableData(letter);
  if (data.kind === 'json') {
    lines.push('  data:');
    const json = JSON.stringify(hide(data.value), null, 2);
    lines.push(...json.split('\n').map((line) => `    ${line}`));
  } else {
    lines.push(`  data (${letter.data.length} bytes, not JSON):`);
    const shown = options.unmasked ? data.value : maskEmails(String(data.value));
    lines.push(...String(shown).split('\n').map((line) => `    ${line}`));
  }
  return lines;
}

/** Returns one dead letter as `show --json` prints it. */
export function showJson(
  letter: DeadLetter,
  summary: DeadLetterSummary,
  options: { unmasked: boolean; now: Date }
): Record<string, unknown> {
  const hide = (value: unknown) => (options.unmasked ? value : maskPersonalData(value));
  const data = readableData(letter);
  return {
    ...summaryJson(summary, options.now),
    detail: hide(summary.detail ?? null),
    attributes: hide(letter.attributes),
    [data.kind === 'json' ? 'data' : 'data_text']: hide(data.value),
  };
}
