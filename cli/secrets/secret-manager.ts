/**
 * The two things the CLI asks of Secret Manager: add a version to a secret,
 * and describe a secret's latest version. Neither reads a value back.
 */
import * as net from 'node:net';

import { codeOf, detailOf, grpcStatus, noCredentials } from '../shared/grpc-failure';
import { crc32c } from './crc32c';
import { SecretStoreError } from './errors';

export interface VersionInfo {
  /** The version's number, such as "3". */
  version: string;
  state: string;
  created?: Date;
}

export interface SecretStore {
  readonly projectId: string;
  /** Adds a version holding the value; resolves with its number. */
  addVersion(secretId: string, value: string): Promise<string>;
  /** Resolves with the secret's latest version, or undefined when it has none. */
  latestVersion(secretId: string): Promise<VersionInfo | undefined>;
  close(): Promise<void>;
}

export interface StoreSettings {
  projectId: string;
  /** `host:port` of a local Secret Manager (a test fake); loopback only. */
  emulatorHost?: string;
  callTimeoutMs?: number;
}

/** Returns a refusal of Secret Manager's, said as an operator can act on it. */
export function explainFailure(
  error: unknown,
  secretId: string,
  projectId: string,
  permission: string
): SecretStoreError {
  const code = codeOf(error);
  const detail = detailOf(error);

  if (code === grpcStatus.notFound) {
    return new SecretStoreError(
      'no-secret',
      `secret ${secretId} does not exist in project ${projectId}: ` +
        'create it with `terraform apply` in infra/'
    );
  }
  if (code === grpcStatus.permissionDenied) {
    return new SecretStoreError(
      'denied',
      `permission denied: your account needs ${permission} on secret ${secretId} (${detail})`
    );
  }
  if (code === grpcStatus.unauthenticated || noCredentials.test(detail)) {
    return new SecretStoreError(
      'unauthenticated',
      'no Google credentials: run `gcloud auth application-default login` ' +
        `or set GOOGLE_APPLICATION_CREDENTIALS (${detail})`,
      true
    );
  }
  if (code === grpcStatus.unavailable || code === grpcStatus.deadlineExceeded) {
    return new SecretStoreError('unreachable', `cannot reach Secret Manager: ${detail}`, true);
  }
  return new SecretStoreError('refused', `Secret Manager refused: ${detail}`);
}

/** Throws unless a host:port is on this machine: values never cross a network in clear. */
function loopbackHost(hostPort: string): { host: string; port: number } {
  const match = hostPort.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  const host = match?.[1];
  const loopback =
    host === 'localhost' || host === '::1' || (net.isIPv4(host ?? '') && host!.startsWith('127.'));
  if (!match || !loopback) {
    throw new SecretStoreError(
      'refused',
      `SECRET_MANAGER_EMULATOR_HOST must be a loopback host:port, not ${JSON.stringify(hostPort)}`,
      true
    );
  }
  return { host: host as string, port: Number(match[2]) };
}

function versionNumber(name: string | null | undefined): string {
  return name?.split('/').pop() ?? '?';
}

function timestamp(
  value: { seconds?: unknown; nanos?: unknown } | null | undefined
): Date | undefined {
  if (!value || value.seconds === undefined || value.seconds === null) return undefined;
  return new Date(Number(value.seconds) * 1000 + Math.floor(Number(value.nanos ?? 0) / 1e6));
}

/** Opens Secret Manager in a project; nothing is contacted until a call. */
export function openStore(settings: StoreSettings): SecretStore {
  const { SecretManagerServiceClient } =
    require('@google-cloud/secret-manager') as typeof import('@google-cloud/secret-manager');
  const { projectId } = settings;

  let client: InstanceType<typeof SecretManagerServiceClient>;
  if (settings.emulatorHost) {
    const { host, port } = loopbackHost(settings.emulatorHost);
    const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
    // Google's auth library would otherwise probe the metadata server.
    process.env.METADATA_SERVER_DETECTION ??= 'none';
    client = new SecretManagerServiceClient({
      projectId,
      apiEndpoint: host,
      port,
      sslCreds: grpc.credentials.createInsecure(),
    });
  } else {
    client = new SecretManagerServiceClient({ projectId });
  }

  // One attempt per call: the operator sees a failure at once.
  const once = { timeout: settings.callTimeoutMs ?? 15_000, retry: null } as unknown as object;
  const secretName = (secretId: string) => `projects/${projectId}/secrets/${secretId}`;

  return {
    projectId,

    async addVersion(secretId, value) {
      const data = Buffer.from(value, 'utf8');
      try {
        const [version] = await client.addSecretVersion(
          { parent: secretName(secretId), payload: { data, dataCrc32c: crc32c(data) } },
          once
        );
        return versionNumber(version.name);
      } catch (error) {
        throw explainFailure(error, secretId, projectId, 'roles/secretmanager.secretVersionAdder');
      }
    },

    async latestVersion(secretId) {
      const viewer = 'roles/secretmanager.viewer';
      try {
        const [version] = await client.getSecretVersion(
          { name: `${secretName(secretId)}/versions/latest` },
          once
        );
        return {
          version: versionNumber(version.name),
          state: String(version.state ?? 'STATE_UNSPECIFIED'),
          created: timestamp(version.createTime as { seconds?: unknown; nanos?: unknown }),
        };
      } catch (error) {
        if (codeOf(error) !== grpcStatus.notFound) {
          throw explainFailure(error, secretId, projectId, viewer);
        }
      }

      // Not found: the secret is missing, or it has no version yet.
      try {
        await client.getSecret({ name: secretName(secretId) }, once);
      } catch (error) {
        throw explainFailure(error, secretId, projectId, viewer);
      }
      return undefined;
    },

    async close() {
      await client.close();
    },
  };
}
