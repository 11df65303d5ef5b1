/**
 * The CLI's failures, each saying what was wrong and what to do about it.
 */
import { codeOf, detailOf, grpcStatus, noCredentials } from '../shared/grpc-failure';

/** A failure the CLI reports in one line and exits on. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Whether the same call would fail for every other message too. */
  readonly affectsEveryMessage: boolean;

  constructor(
    message: string,
    options: { exitCode?: number; affectsEveryMessage?: boolean } = {}
  ) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 2;
    this.affectsEveryMessage = options.affectsEveryMessage ?? true;
  }
}

/** What the CLI was doing when Pub/Sub refused. */
export interface PubSubAction {
  verb: 'pull from' | 'acknowledge on' | 'release on' | 'extend leases on' | 'publish to';
  kind: 'subscription' | 'topic';
  name: string;
  /** Set when talking to the emulator (PUBSUB_EMULATOR_HOST). */
  emulatorHost?: string;
}

/** Returns the failure of a Pub/Sub call, said as an operator can act on it. */
export function explainPubSubFailure(error: unknown, action: PubSubAction): CliError {
  const code = codeOf(error);
  const detail = detailOf(error);
  const where = action.emulatorHost ? ` on the emulator at ${action.emulatorHost}` : '';
  const flag = action.kind === 'subscription'
    ? '--subscription (or DEAD_LETTER_SUBSCRIPTION)'
    : '--topic (or PUBSUB_TOPIC)';

  if (code === grpcStatus.notFound) {
    return new CliError(
      `${action.kind} ${action.name} does not exist${where}: check the project ` +
        `(GOOGLE_CLOUD_PROJECT) and the name (${flag}); infra/ creates it`
    );
  }
  if (code === grpcStatus.permissionDenied) {
    const role = action.kind === 'topic' ? 'roles/pubsub.publisher' : 'roles/pubsub.subscriber';
    return new CliError(
      `no permission to ${action.verb} ${action.kind} ${action.name}: the account ` +
        `the CLI runs as needs ${role} on it (${detail})`
    );
  }
  if (code === grpcStatus.unauthenticated || noCredentials.test(detail)) {
    return new CliError(
      'no Google credentials: run `gcloud auth application-default login` or set ' +
        'GOOGLE_APPLICATION_CREDENTIALS; for the local emulator set PUBSUB_EMULATOR_HOST ' +
        `(${detail})`
    );
  }
  if (code === grpcStatus.unavailable || code === grpcStatus.deadlineExceeded) {
    return new CliError(
      action.emulatorHost
        ? `cannot reach the Pub/Sub emulator at ${action.emulatorHost} ` +
            '(PUBSUB_EMULATOR_HOST): is it running? (`npm start` runs one)'
        : `cannot reach Pub/Sub: ${detail}`
    );
  }
  // Anything else may be about this one message: a run goes on with the next.
  const onlyThis = { affectsEveryMessage: false };
  if (code === grpcStatus.invalidArgument) {
    return new CliError(
      `Pub/Sub refused to ${action.verb} ${action.kind} ${action.name}: ${detail}`,
      onlyThis
    );
  }
  return new CliError(
    `could not ${action.verb} ${action.kind} ${action.name}: ${detail}`,
    onlyThis
  );
}
