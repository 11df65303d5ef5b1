/**
 * A Secret Manager that lives in the test: a gRPC server on 127.0.0.1 built
 * from the service definition that ships in @google-cloud/secret-manager,
 * so the real client talks to it over the real protocol.
 *
 * It implements what the secrets CLI calls (AddSecretVersion, GetSecret,
 * GetSecretVersion) and nothing else: AccessSecretVersion, which reads a
 * value back, answers UNIMPLEMENTED, so a CLI that tried would fail.
 */
import * as path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';

import { crc32c } from '../../cli/secrets/crc32c';

// The service's own protos, and the common ones (google/api, google/iam)
// from the google-gax the client itself uses.
const clientRoot = path.dirname(require.resolve('@google-cloud/secret-manager/package.json'));
const gaxMain = require.resolve('google-gax', { paths: [clientRoot] });
const protoRoots = [
  path.join(clientRoot, 'build', 'protos'),
  path.join(path.dirname(gaxMain), '..', 'protos'),
];

interface StoredVersion {
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: Date;
}

/** A call the fake answered, without the value it carried. */
export interface ReceivedCall {
  method: string;
  name: string;
  /** For AddSecretVersion: whether the payload came with its CRC32C. */
  checksum?: 'matched' | 'absent';
}

type Callback = (error: grpc.ServiceError | null, response?: unknown) => void;
type Call = grpc.ServerUnaryCall<Record<string, unknown>, unknown>;

function failure(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

function timestamp(date: Date) {
  return { seconds: String(Math.floor(date.getTime() / 1000)), nanos: 0 };
}

export class SecretManagerFake {
  readonly calls: ReceivedCall[] = [];
  private readonly secrets = new Map<string, StoredVersion[]>();
  private readonly denied = new Set<string>();

  private constructor(
    private readonly server: grpc.Server,
    readonly projectId: string,
    readonly port: number
  ) {}

  /** Starts the fake on a free loopback port. */
  static async start(projectId = 'secrets-test'): Promise<SecretManagerFake> {
    const definition = protoLoader.loadSync('google/cloud/secretmanager/v1/service.proto', {
      includeDirs: protoRoots,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      google: {
        cloud: { secretmanager: { v1: { SecretManagerService: grpc.ServiceClientConstructor } } };
      };
    };
    const service = loaded.google.cloud.secretmanager.v1.SecretManagerService.service;

    const server = new grpc.Server();
    let fake: SecretManagerFake | undefined;
    const handle =
      (method: string, handler: (request: Record<string, unknown>) => unknown) =>
      (call: Call, callback: Callback) => {
        try {
          callback(null, (fake as SecretManagerFake).answer(method, call.request, handler));
        } catch (error) {
          callback(error as grpc.ServiceError);
        }
      };
    server.addService(service, {
      AddSecretVersion: handle('AddSecretVersion', (request) => fake!.addVersion(request)),
      GetSecret: handle('GetSecret', (request) => fake!.getSecret(String(request.name))),
      GetSecretVersion: handle('GetSecretVersion', (request) =>
        fake!.getVersion(String(request.name))
      ),
    });

    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound)
      )
    );
    fake = new SecretManagerFake(server, projectId, port);
    return fake;
  }

  /** `127.0.0.1:PORT`, for SECRET_MANAGER_EMULATOR_HOST. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Creates secrets, as `terraform apply` would: with no version. */
  createSecrets(...ids: string[]): this {
    for (const id of ids) this.secrets.set(id, []);
    return this;
  }

  /** Refuses every call about the secret, as IAM does without a role. */
  deny(id: string): this {
    this.denied.add(id);
    return this;
  }

  /** Sets a secret's versions' states, oldest first. */
  setVersions(id: string, states: StoredVersion['state'][]): this {
    const created = new Date('2026-01-02T03:04:05Z');
    this.secrets.set(
      id,
      states.map((state) => ({ data: Buffer.from('earlier'), state, createTime: created }))
    );
    return this;
  }

  /** The values a secret's versions hold, oldest first. */
  values(id: string): string[] {
    return (this.secrets.get(id) ?? []).map((version) => version.data.toString('utf8'));
  }

  /** A client of the real library, pointed at the fake. */
  client(): SecretManagerServiceClient {
    return new SecretManagerServiceClient({
      projectId: this.projectId,
      apiEndpoint: '127.0.0.1',
      port: this.port,
      sslCreds: grpc.credentials.createInsecure(),
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private answer(
    method: string,
    request: Record<string, unknown>,
    handler: (request: Record<string, unknown>) => unknown
  ): unknown {
    const name = String(request.parent ?? request.name ?? '');
    this.calls.push({ method, name });
    return handler(request);
  }

  /** Returns the secret ID of a resource name, checking project and access. */
  private secretOf(name: string): string {
    const match = name.match(/^projects\/([^/]+)\/secrets\/([^/]+)(\/versions\/[^/]+)?$/);
    if (!match) throw failure(grpc.status.INVALID_ARGUMENT, `malformed name ${name}`);
    const [, project, id] = match;
    if (this.denied.has(id)) {
      throw failure(
        grpc.status.PERMISSION_DENIED,
        `Permission denied on resource ${name} (or it may not exist).`
      );
    }
    if (project !== this.projectId || !this.secrets.has(id)) {
      throw failure(grpc.status.NOT_FOUND, `Secret [${name}] not found or has no versions.`);
    }
    return id;
  }

  private addVersion(request: Record<string, unknown>) {
    const id = this.secretOf(String(request.parent));
    const payload = (request.payload ?? {}) as { data?: Buffer; dataCrc32c?: string };
    const data = payload.data ?? Buffer.alloc(0);
    if (payload.dataCrc32c !== undefined && Number(payload.dataCrc32c) !== crc32c(data)) {
      throw failure(grpc.status.INVALID_ARGUMENT, 'Checksum mismatch: the payload was corrupted.');
    }
    (this.calls.at(-1) as ReceivedCall).checksum =
      payload.dataCrc32c === undefined ? 'absent' : 'matched';

    const versions = this.secrets.get(id) as StoredVersion[];
    const createTime = new Date();
    versions.push({ data, state: 'ENABLED', createTime });
    return {
      name: `projects/${this.projectId}/secrets/${id}/versions/${versions.length}`,
      state: 'ENABLED',
      createTime: timestamp(createTime),
    };
  }

  private getSecret(name: string) {
    const id = this.secretOf(name);
    return { name: `projects/${this.projectId}/secrets/${id}` };
  }

  private getVersion(name: string) {
    const id = this.secretOf(name);
    const versions = this.secrets.get(id) as StoredVersion[];
    const asked = name.split('/').pop();
    const index = asked === 'latest' ? versions.length : Number(asked);
    const version = versions[index - 1];
    if (!version) throw failure(grpc.status.NOT_FOUND, `Secret Version [${name}] not found.`);
    return {
      name: `projects/${this.projectId}/secrets/${id}/versions/${index}`,
      state: version.state,
      createTime: timestamp(version.createTime),
    };
  }
}
