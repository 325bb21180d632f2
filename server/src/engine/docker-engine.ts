import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { PassThrough, type Duplex } from 'node:stream';
import type { ContainerSummary, NetworkSummary, PortMapping } from '@sonde/shared';
import {
  EngineError,
  ImageMissingError,
  type ContainerDetail,
  type EngineFacts,
  type SwarmNodeFacts,
  type SwarmServiceFacts,
  type SwarmTaskFacts,
  type CompletedToolbox,
  type CompletionOptions,
  type ContainerEngine,
  type EngineEvent,
  type EngineEventStream,
  type ExecOptions,
  type ExecResult,
  type Placement,
  type RunningToolbox,
  type ShellOptions,
  type StreamingToolbox,
  type ToolboxSpec,
} from './types.js';
import { hostKeyCheck } from './known-hosts.js';
import { boundedSink } from './bounded-sink.js';
import { dockerDetail, pullFailure, PullProgressTally, type PullMessage } from './pull-progress.js';

/** The only module that imports dockerode. It translates between Docker's shapes and ours (placements included). */

interface ModemError {
  statusCode?: number;
  code?: string;
  /** ssh2's stage of an ssh failure: client-authentication, client-timeout, handshake, … */
  level?: string;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

/** Node's codes for an engine certificate that ca.pem does not vouch for (X.509 verification). */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);
/** OpenSSL alerts a server sends when it will not take the client's certificate. */
const CLIENT_CERTIFICATE_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
]);

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
export const TOOLBOX_LABEL = 'sonde.managed';
/** How long past an exec's time limit we wait for Docker to close its stream before giving up on it. */
const EXEC_BACKSTOP_MS = 3000;
/** Docker's PATH for images that set none. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const SWARM_SERVICE = 'com.docker.swarm.service.name';
const SWARM_TASK = 'com.docker.swarm.task.id';
const SWARM_TASK_NAME = 'com.docker.swarm.task.name';
const SWARM_NODE = 'com.docker.swarm.node.id';

/**
 * Where the node's dockerd keeps network namespaces (overlays' among them) and where a helper
 * sees them: read-only, and `rslave` so namespaces created after it started appear too.
 */
export const NETNS_BIND = '/var/run/docker/netns:/run/sonde/netns:ro,rslave';

/** A placement as Docker makes it: the network mode, PID mode, mounts, host name and endpoint of the container. */
export interface DockerPlacement {
  NetworkMode: string;
  PidMode?: string;
  Binds?: string[];
  Hostname?: string;
  /** The network to join as a new endpoint. */
  network?: string;
}

/** Translates a placement into Docker's terms; refuses the ones only Kubernetes makes. */
export function dockerPlacement(placement: Placement): DockerPlacement {
  switch (placement.kind) {
    case 'container':
      return { NetworkMode: `container:${placement.containerId}`, ...(placement.sharePid ? { PidMode: `container:${placement.containerId}` } : {}) };
    case 'network':
      return { NetworkMode: placement.networkName, network: placement.networkName, Hostname: placement.hostname };
    case 'host':
      return { NetworkMode: 'host' };
    case 'netns-files':
      return { NetworkMode: 'none', Binds: [NETNS_BIND] };
    case 'pod':
    case 'node':
      throw new EngineError('failed', `A Docker engine cannot place a toolbox in a Kubernetes ${placement.kind}.`);
  }
}

/** One engine to connect to: a URL as DOCKER_HOST takes it, and a directory with ca.pem, cert.pem, key.pem. */
export interface DockerEngineOptions {
  name: string;
  /** `unix://…`, `tcp://host:port`, `ssh://user@host`; absent: DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI reads them. */
  host?: string;
  tlsDir?: string;
  /** Bound on establishing a connection (not on long streams: an idle shell is not a dead one). */
  connectionTimeoutMs?: number;
  /** For an ssh:// host: the ssh-agent's socket and the known_hosts file its host key must be in. */
  ssh?: { agentSocket: string; knownHostsFile: string };
  /** Told why an ssh host key was refused (ssh2 itself only says "Host denied"). */
  onHostKeyRefused?: (reason: string) => void;
}

/**
 * What docker-modem's ssh2 client is given for one ssh:// engine: a host key check against the
 * known_hosts file (without one, ssh2 accepts any key), and the host key algorithms of the keys
 * listed there, so the server presents one of those.
 */
function sshOptionsFor(url: string, ssh: NonNullable<DockerEngineOptions['ssh']>, onRefused: (reason: string) => void): object {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const check = hostKeyCheck(readFileSync(ssh.knownHostsFile, 'utf8'), host, parsed.port ? Number(parsed.port) : 22, ssh.knownHostsFile);
  return {
    hostVerifier: (key: Buffer) => {
      const verdict = check.verify(key);
      if (!verdict.ok) onRefused(verdict.reason);
      return verdict.ok;
    },
    ...(check.algorithms ? { algorithms: { serverHostKey: check.algorithms } } : {}),
  };
}

/**
 * A Docker client for one engine, with docker-modem's own handling of DOCKER_HOST (unix, tcp with
 * or without TLS, ssh): docker-modem parses the URL. It reads DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH and SSH_AUTH_SOCK from the environment (and lets SSH_AUTH_SOCK there override
 * any agent given as an option), so a configured engine's URL, TLS directory and agent are handed
 * to it there, for the one synchronous call that reads them, and the environment is put back at
 * once. For ssh, the host key check is added (sshOptionsFor).
 */
export function dockerClient(options: DockerEngineOptions): Docker {
  const timeouts = options.connectionTimeoutMs ? { connectionTimeout: options.connectionTimeoutMs } : {};
  if (options.host === undefined) return new Docker(timeouts as Docker.DockerOptions);
  const ssh = options.host.startsWith('ssh://');
  if (ssh && !options.ssh) throw new Error(`the ssh engine ${options.host} needs an agent socket and a known_hosts file`);
  const sshOptions = ssh && options.ssh ? { sshOptions: sshOptionsFor(options.host, options.ssh, options.onHostKeyRefused ?? (() => undefined)) } : {};
  const names = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'SSH_AUTH_SOCK'] as const;
  const saved = names.map((n) => process.env[n]);
  try {
    process.env.DOCKER_HOST = options.host;
    if (options.tlsDir) {
      process.env.DOCKER_TLS_VERIFY = '1';
      process.env.DOCKER_CERT_PATH = options.tlsDir;
    } else {
      delete process.env.DOCKER_TLS_VERIFY;
      delete process.env.DOCKER_CERT_PATH;
    }
    if (options.ssh) process.env.SSH_AUTH_SOCK = options.ssh.agentSocket;
    return new Docker({ ...timeouts, ...sshOptions } as Docker.DockerOptions);
  } finally {
    names.forEach((n, i) => {
      if (saved[i] === undefined) delete process.env[n];
      else process.env[n] = saved[i];
    });
  }
}

/** What an engine is called in messages: its URL as given, or the socket docker-modem looks for. */
export function endpointOf(options: Pick<DockerEngineOptions, 'host'>, env: Record<string, string | undefined> = process.env): string {
  return options.host ?? env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** How long a removal Docker failed waits before each new try (then the error stands). */
const REMOVE_RETRY_DELAYS_MS = [500, 1_500];

export class DockerEngine implements ContainerEngine {
  private readonly docker: Docker;
  readonly kind = 'docker' as const;
  readonly name: string;
  readonly endpoint: string;
  private readonly tlsDir: string | undefined;
  /** Why the last ssh host key was refused, for the message of the error that follows. */
  private hostKeyRefusal: string | undefined;

  constructor(options: DockerEngineOptions) {
    this.name = options.name;
    this.endpoint = endpointOf(options);
    this.tlsDir = options.tlsDir;
    this.docker = dockerClient({
      ...options,
      onHostKeyRefused: (reason) => {
        this.hostKeyRefusal = reason;
        options.onHostKeyRefused?.(reason);
      },
    });
  }

  private classify(error: unknown, context: string): EngineError {
    if (error instanceof EngineError) return error;
    const e = (error ?? {}) as ModemError;
    const detail = e.json?.message ?? e.reason ?? e.message ?? String(error);
    if (e.code && ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(e.code)) {
      return new EngineError('unreachable', `Cannot reach Docker at ${this.endpoint} (${e.code}).`);
    }
    const transport = this.transportProblem(e);
    if (transport) return new EngineError('unreachable', transport);
    if (e.statusCode === 404) return new EngineError('not-found', `${context}: ${detail}`, 404);
    if (e.statusCode === 409) return new EngineError('conflict', `${context}: ${detail}`, 409);
    return new EngineError('failed', `${context}: ${detail}`, e.statusCode);
  }

  /**
   * A TLS or ssh failure in words an operator can act on (Node and ssh2 say "sslv3 alert bad
   * certificate", "Host denied"); undefined for anything else. The engine is then unreachable:
   * nothing was asked of it.
   */
  private transportProblem(e: ModemError): string | undefined {
    const code = e.code ?? '';
    if (CLIENT_CERTIFICATE_REFUSED.has(code)) {
      const mine = this.tlsDir ? `this console's client certificate (cert.pem in ${this.tlsDir})` : 'a client without a certificate (no tlsDir is configured for this engine)';
      return `TLS to Docker at ${this.endpoint} failed: the engine refused ${mine}; it takes only certificates from its own CA (${e.reason ?? code}).`;
    }
    if (UNTRUSTED_CERTIFICATE.has(code)) {
      const trust = this.tlsDir ? `the CA in ca.pem in ${this.tlsDir}` : 'a public CA (no tlsDir is configured for this engine)';
      return `TLS to Docker at ${this.endpoint} failed: the engine's certificate is not signed by ${trust} (${e.message ?? code}).`;
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS to Docker at ${this.endpoint} failed: the engine's certificate is not for this address (${e.message ?? code}).`;
    if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return `TLS to Docker at ${this.endpoint} failed (${e.reason ?? e.message ?? code}).`;
    if (e.message === 'Host denied (verification failed)') return `SSH to Docker at ${this.endpoint} refused: ${this.hostKeyRefusal ?? 'its host key was not accepted'}.`;
    if (e.level === 'client-authentication') return `SSH to Docker at ${this.endpoint} failed: the host accepted no key of the ssh-agent at SSH_AUTH_SOCK for this user (${e.message}).`;
    if (e.level === 'client-timeout') return `SSH to Docker at ${this.endpoint} failed: ${e.message}.`;
    return undefined;
  }

  async version(): Promise<string> {
    try {
      const v = await this.docker.version();
      return v.Version;
    } catch (error) {
      throw this.classify(error, 'Docker version');
    }
  }

  async info(): Promise<EngineFacts> {
    let info: { ServerVersion?: string; Swarm?: { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean; Cluster?: { ID?: string } | null } };
    try {
      info = (await this.docker.info()) as typeof info;
    } catch (error) {
      throw this.classify(error, 'Docker info');
    }
    const swarm = info.Swarm;
    return {
      version: info.ServerVersion ?? '',
      ...(swarm?.LocalNodeState === 'active' && swarm.NodeID
        ? { swarm: { nodeId: swarm.NodeID, role: swarm.ControlAvailable ? ('manager' as const) : ('worker' as const), ...(swarm.Cluster?.ID ? { clusterId: swarm.Cluster.ID } : {}) } }
        : {}),
    };
  }

  async swarmNodes(): Promise<SwarmNodeFacts[]> {
    let nodes: { ID: string; Description?: { Hostname?: string }; Status?: { Addr?: string; State?: string }; Spec?: { Role?: string; Availability?: string } }[];
    try {
      nodes = (await this.docker.listNodes()) as typeof nodes;
    } catch (error) {
      throw this.classify(error, 'Listing Swarm nodes');
    }
    return nodes.map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? n.ID.slice(0, 12),
      address: n.Status?.Addr ?? '',
      role: n.Spec?.Role === 'manager' ? 'manager' : 'worker',
      availability: n.Spec?.Availability ?? 'unknown',
      state: n.Status?.State ?? 'unknown',
    }));
  }

  async swarmServices(): Promise<SwarmServiceFacts[]> {
    let services: { ID: string; Spec?: { Name?: string; Mode?: { Replicated?: { Replicas?: number }; Global?: object }; TaskTemplate?: { Networks?: { Target?: string }[] } }; Endpoint?: { VirtualIPs?: { NetworkID?: string }[] } }[];
    try {
      services = (await this.docker.listServices()) as typeof services;
    } catch (error) {
      throw this.classify(error, 'Listing Swarm services');
    }
    return services.map((s) => {
      const replicated = s.Spec?.Mode?.Replicated;
      const networkIds = new Set([...(s.Spec?.TaskTemplate?.Networks ?? []).map((n) => n.Target), ...(s.Endpoint?.VirtualIPs ?? []).map((v) => v.NetworkID)].filter((n): n is string => typeof n === 'string'));
      return {
        id: s.ID,
        name: s.Spec?.Name ?? s.ID.slice(0, 12),
        mode: replicated ? ('replicated' as const) : ('global' as const),
        ...(replicated?.Replicas !== undefined ? { replicas: replicated.Replicas } : {}),
        networkIds: [...networkIds],
      };
    });
  }

  async swarmTasks(filter: { service?: string; id?: string } = {}): Promise<SwarmTaskFacts[]> {
    let tasks: {
      ID: string;
      ServiceID?: string;
      Slot?: number;
      NodeID?: string;
      DesiredState?: string;
      Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
      NetworksAttachments?: { Network?: { ID?: string; Spec?: { Name?: string } }; Addresses?: string[] }[];
    }[];
    try {
      const filters: Record<string, string[]> = {};
      if (filter.service) filters.service = [filter.service];
      if (filter.id) filters.id = [filter.id];
      tasks = (await this.docker.listTasks({ filters })) as typeof tasks;
    } catch (error) {
      throw this.classify(error, 'Listing Swarm tasks');
    }
    return tasks.map((t) => ({
      id: t.ID,
      serviceId: t.ServiceID ?? '',
      ...(t.Slot !== undefined ? { slot: t.Slot } : {}),
      nodeId: t.NodeID ?? '',
      state: t.Status?.State ?? 'unknown',
      desiredState: t.DesiredState ?? 'unknown',
      ...(t.Status?.ContainerStatus?.ContainerID ? { containerId: t.Status.ContainerStatus.ContainerID } : {}),
      addresses: (t.NetworksAttachments ?? []).flatMap((a) =>
        (a.Addresses ?? []).map((cidr) => ({ networkId: a.Network?.ID ?? '', ...(a.Network?.Spec?.Name ? { networkName: a.Network.Spec.Name } : {}), address: cidr.split('/')[0]! })),
      ),
    }));
  }

  async listContainers(): Promise<ContainerSummary[]> {
    let raw: Docker.ContainerInfo[];
    try {
      raw = await this.docker.listContainers({ all: true });
    } catch (error) {
      throw this.classify(error, 'Listing containers');
    }
    return raw.map((c) => {
      const labels = c.Labels ?? {};
      const project = labels[COMPOSE_PROJECT];
      const service = labels[COMPOSE_SERVICE];
      const networks = Object.entries(c.NetworkSettings?.Networks ?? {}).map(([name, n]) => ({
        name,
        ...(n.IPAddress ? { ipv4: n.IPAddress } : {}),
      }));
      const ports: PortMapping[] = (c.Ports ?? []).map((p) => ({
        privatePort: p.PrivatePort,
        ...(p.PublicPort ? { publicPort: p.PublicPort } : {}),
        ...(p.IP ? { ip: p.IP } : {}),
        protocol: p.Type,
      }));
      const taskId = labels[SWARM_TASK];
      const slot = /^[^.]+\.(\d+)\./.exec(labels[SWARM_TASK_NAME] ?? '')?.[1];
      return {
        id: c.Id,
        engine: this.name,
        name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
        image: c.Image,
        state: c.State,
        status: c.Status,
        ...(project && service ? { compose: { project, service } } : {}),
        networks,
        ports,
        labels,
        toolbox: labels[TOOLBOX_LABEL] === 'true',
        ...(taskId && labels[SWARM_SERVICE]
          ? { swarm: { service: labels[SWARM_SERVICE], taskId, ...(slot ? { slot: Number(slot) } : {}), nodeId: labels[SWARM_NODE] ?? '' } }
          : {}),
      };
    });
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    let networks: Docker.NetworkInspectInfo[];
    let containers: Docker.ContainerInfo[];
    try {
      [networks, containers] = await Promise.all([
        this.docker.listNetworks(),
        this.docker.listContainers({ all: false }),
      ]);
    } catch (error) {
      throw this.classify(error, 'Listing networks');
    }
    // The network list carries no members; the container list does, in one call.
    const members = new Map<string, { id: string; name: string; ipv4?: string }[]>();
    for (const c of containers) {
      for (const n of Object.values(c.NetworkSettings?.Networks ?? {})) {
        if (!n.NetworkID) continue;
        const list = members.get(n.NetworkID) ?? [];
        list.push({
          id: c.Id,
          name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
          ...(n.IPAddress ? { ipv4: n.IPAddress } : {}),
        });
        members.set(n.NetworkID, list);
      }
    }
    return networks.map((n) => this.networkSummary(n, members.get(n.Id) ?? []));
  }

  private networkSummary(n: Docker.NetworkInspectInfo, containers: { id: string; name: string; ipv4?: string }[]): NetworkSummary {
    return {
      id: n.Id,
      engine: this.name,
      name: n.Name,
      driver: n.Driver,
      scope: n.Scope,
      internal: Boolean(n.Internal),
      subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string'),
      labels: n.Labels ?? {},
      attachable: Boolean((n as { Attachable?: boolean }).Attachable),
      containers,
    };
  }

  async inspectNetwork(ref: string): Promise<NetworkSummary | undefined> {
    try {
      const n = (await this.docker.getNetwork(ref).inspect()) as Docker.NetworkInspectInfo & { Containers?: Record<string, { Name?: string; IPv4Address?: string }> };
      const containers = Object.entries(n.Containers ?? {}).map(([id, c]) => ({ id, name: c.Name ?? id.slice(0, 12), ...(c.IPv4Address ? { ipv4: c.IPv4Address.split('/')[0]! } : {}) }));
      return this.networkSummary(n, containers);
    } catch (error) {
      const e = this.classify(error, 'Inspecting network');
      if (e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  async inspectContainer(id: string): Promise<ContainerDetail | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        running: info.State.Running && !info.State.Paused,
        labels: info.Config.Labels ?? {},
        ...(info.State.StartedAt ? { startedAt: info.State.StartedAt } : {}),
      };
    } catch (error) {
      const e = this.classify(error, 'Inspecting container');
      if (e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (error) {
      const e = this.classify(error, 'Inspecting image');
      if (e.kind === 'not-found') return false;
      throw e;
    }
  }

  async pullImage(ref: string, onProgress?: (percent: number) => void, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    let stream: NodeJS.ReadableStream & { destroy?: () => void };
    try {
      stream = (await this.docker.pull(ref)) as typeof stream;
    } catch (error) {
      // Refused before the stream began (404 no such repository or tag, 500 the registry not
      // reachable from the engine): the engine answered, so it is the pull that failed.
      const e = this.classify(error, `Pulling ${ref}`);
      if (e.kind === 'unreachable') throw e;
      throw new EngineError('failed', pullFailure(ref, dockerDetail(error as ModemError)), e.statusCode);
    }
    const tally = new PullProgressTally();
    let last = -1;
    await new Promise<void>((resolve, reject) => {
      let failure: string | undefined;
      const stop = () => {
        stream.destroy?.();
        reject(new EngineError('failed', `Pulling ${ref} was stopped.`));
      };
      signal?.addEventListener('abort', stop, { once: true });
      this.docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          signal?.removeEventListener('abort', stop);
          if (error) reject(this.classify(error, `Pulling ${ref}`));
          // A failure after the 200 arrives as a message in the stream, not as an error.
          else if (failure !== undefined) reject(new EngineError('failed', pullFailure(ref, failure)));
          else resolve();
        },
        (message: PullMessage) => {
          if (message.error || message.errorDetail) {
            failure = message.errorDetail?.message ?? message.error ?? 'no reason given';
            return;
          }
          const percent = tally.add(message);
          if (percent !== last) {
            last = percent;
            onProgress?.(percent);
          }
        },
      );
    });
  }

  async hasCommand(image: string, command: string, labels: Record<string, string>): Promise<boolean> {
    let path = DEFAULT_PATH;
    try {
      const info = await this.docker.getImage(image).inspect();
      const env = (info.Config?.Env ?? []).find((e) => e.startsWith('PATH='));
      if (env) path = env.slice('PATH='.length);
    } catch (error) {
      const e = this.classify(error, 'Inspecting image');
      if (e.kind === 'not-found') throw new ImageMissingError(image, this.name);
      throw e;
    }
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({ Image: image, Entrypoint: [command], Cmd: [], Labels: labels, NetworkDisabled: true, HostConfig: { NetworkMode: 'none' } });
    } catch (error) {
      throw this.classify(error, 'Looking for a command in the toolbox image');
    }
    try {
      for (const dir of path.split(':').filter((d) => d.startsWith('/'))) {
        try {
          // HEAD /containers/{id}/archive: a stat of the file, without starting anything.
          await container.infoArchive({ path: `${dir.replace(/\/$/, '')}/${command}` });
          return true;
        } catch (error) {
          const e = this.classify(error, 'Looking for a command in the toolbox image');
          if (e.kind !== 'not-found') throw e;
        }
      }
      return false;
    } finally {
      await this.removeContainer(container.id).catch(() => undefined);
    }
  }

  /**
   * Creates (does not start) a toolbox container. With a TTY for shells and tools; without one
   * for binary output such as pcap (a pty would rewrite bytes, \n -> \r\n, and mix stderr in;
   * without one Docker multiplexes both streams with 8-byte frame headers). `stdin` without a
   * TTY closes the process's stdin when the attached client ends its side (StdinOnce).
   */
  private async createToolbox(spec: ToolboxSpec, tty: boolean, stdin = tty): Promise<Docker.Container> {
    const place = dockerPlacement(spec.placement);
    try {
      return await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Entrypoint: spec.entrypoint,
        Cmd: [],
        Env: spec.env,
        Labels: spec.labels,
        ...(place.Hostname ? { Hostname: place.Hostname } : {}),
        Tty: tty,
        OpenStdin: stdin,
        StdinOnce: stdin && !tty,
        AttachStdin: stdin,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: {
          NetworkMode: place.NetworkMode,
          ...(place.PidMode ? { PidMode: place.PidMode } : {}),
          ...(place.Binds ? { Binds: place.Binds } : {}),
          CapAdd: spec.capAdd,
          CapDrop: spec.capDrop,
          SecurityOpt: spec.securityOpt,
          Memory: spec.memoryBytes,
          MemorySwap: spec.memoryBytes,
          PidsLimit: spec.pidsLimit,
          NanoCpus: spec.nanoCpus,
          Init: true,
          Privileged: false,
          ...(tty ? { ConsoleSize: [spec.initialSize.rows, spec.initialSize.cols] } : {}),
        },
        ...(place.network ? { NetworkingConfig: { EndpointsConfig: { [place.network]: {} } } } : {}),
      });
    } catch (error) {
      const e = this.classify(error, 'Creating the toolbox');
      if (e.kind === 'not-found' && !(await this.hasImage(spec.image).catch(() => true))) {
        throw new ImageMissingError(spec.image, this.name);
      }
      throw e;
    }
  }

  async startToolbox(spec: ToolboxSpec): Promise<RunningToolbox> {
    const container = await this.createToolbox(spec, true);

    // From here on a failure must not leave the created container behind.
    let stream: Duplex | undefined;
    try {
      stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as unknown as Duplex;
      await container.start();
    } catch (error) {
      stream?.destroy();
      await this.removeContainer(container.id).catch(() => undefined);
      throw this.classify(error, 'Starting the toolbox');
    }

    const attached = stream;
    return {
      id: container.id,
      stream: attached,
      resize: async (cols, rows) => {
        try {
          await container.resize({ w: cols, h: rows });
        } catch (error) {
          const e = this.classify(error, 'Resizing');
          // A resize racing the shell's exit is harmless.
          if (e.kind !== 'not-found' && e.kind !== 'conflict' && e.statusCode !== 500) throw e;
        }
      },
      exitCode: async () => {
        try {
          const info = await container.inspect();
          return info.State.Running ? undefined : info.State.ExitCode;
        } catch (error) {
          const e = this.classify(error, 'Inspecting the toolbox');
          if (e.kind === 'unreachable') throw e;
          return undefined;
        }
      },
    };
  }

  async startStreamingToolbox(spec: ToolboxSpec): Promise<StreamingToolbox> {
    const container = await this.createToolbox(spec, false);
    let raw: NodeJS.ReadableStream & { destroy?: () => void };
    try {
      raw = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream & { destroy?: () => void };
    } catch (error) {
      await this.removeContainer(container.id).catch(() => undefined);
      throw this.classify(error, 'Attaching to the toolbox');
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    container.modem.demuxStream(raw, stdout, stderr);
    const finish = () => {
      stdout.end();
      stderr.end();
    };
    raw.on('end', finish);
    raw.on('close', finish);
    raw.on('error', finish);
    try {
      await container.start();
    } catch (error) {
      raw.destroy?.();
      finish();
      await this.removeContainer(container.id).catch(() => undefined);
      throw this.classify(error, 'Starting the toolbox');
    }
    return {
      id: container.id,
      stdout,
      stderr,
      exitCode: async () => {
        try {
          const info = await container.inspect();
          return info.State.Running ? undefined : info.State.ExitCode;
        } catch {
          return undefined;
        }
      },
    };
  }

  async runToCompletion(spec: ToolboxSpec, options: CompletionOptions): Promise<CompletedToolbox> {
    const withStdin = options.stdin !== undefined;
    const container = await this.createToolbox(spec, false, withStdin);
    let raw: (NodeJS.ReadableStream & { destroy?: () => void; end?: (data: string | Buffer) => void }) | undefined;
    const stdout = boundedSink(options.maxOutputBytes);
    const stderr = boundedSink(options.maxOutputBytes);
    let timer: NodeJS.Timeout | undefined;
    try {
      try {
        // Hijacked only with stdin: the connection then carries input too, and ending our side is the end of file.
        raw = (await container.attach({ stream: true, stdin: withStdin, stdout: true, stderr: true, hijack: withStdin })) as typeof raw;
      } catch (error) {
        throw this.classify(error, 'Attaching to the toolbox');
      }
      const attached = raw!;
      const drained = new Promise<void>((resolve) => {
        attached.on('end', resolve);
        attached.on('close', resolve);
        attached.on('error', () => resolve());
      });
      container.modem.demuxStream(attached, stdout.sink, stderr.sink);
      try {
        await container.start();
      } catch (error) {
        throw this.classify(error, 'Starting the toolbox');
      }
      if (withStdin) attached.end?.(options.stdin!);
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      });
      let result: { StatusCode?: number } | 'timeout';
      try {
        result = await Promise.race([container.wait() as Promise<{ StatusCode?: number }>, timedOut]);
      } catch (error) {
        throw this.classify(error, 'Waiting for the toolbox');
      }
      if (result === 'timeout') throw new EngineError('failed', `The toolbox did not finish within ${Math.round(options.timeoutMs / 1000)} s.`);
      // The process is gone; the last of its output may still be on its way.
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      return { exitCode: result.StatusCode ?? -1, stdout: stdout.bytes(), stderr: stderr.bytes(), truncated: stdout.truncated() || stderr.truncated() };
    } finally {
      clearTimeout(timer);
      raw?.destroy?.();
      await this.removeContainer(container.id).catch(() => undefined);
    }
  }

  async startIdleToolbox(spec: ToolboxSpec): Promise<string> {
    const container = await this.createToolbox(spec, false, false);
    try {
      await container.start();
    } catch (error) {
      await this.removeContainer(container.id).catch(() => undefined);
      throw this.classify(error, 'Starting the toolbox');
    }
    return container.id;
  }

  async exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const container = this.docker.getContainer(containerId);
    let exec: Docker.Exec;
    let stream: Duplex;
    try {
      // Docker has no call that kills an exec's process, so the container's own `timeout` does.
      exec = await container.exec({
        Cmd: ['timeout', '-s', 'KILL', String(seconds), ...argv],
        ...(options.env ? { Env: [...options.env] } : {}),
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Duplex;
    } catch (error) {
      throw this.classify(error, 'Running a command in the toolbox');
    }
    const stdout = boundedSink(options.maxOutputBytes);
    const stderr = boundedSink(options.maxOutputBytes);
    container.modem.demuxStream(stream, stdout.sink, stderr.sink);
    let backstop: NodeJS.Timeout | undefined;
    const ended = await new Promise<boolean>((resolve) => {
      stream.once('end', () => resolve(true));
      stream.once('close', () => resolve(true));
      stream.once('error', () => resolve(true));
      // Should the engine never close the stream (a wedged daemon), stop waiting a little after the limit.
      backstop = setTimeout(() => resolve(false), seconds * 1000 + EXEC_BACKSTOP_MS);
    });
    clearTimeout(backstop);
    stream.destroy();
    let exitCode = -1;
    try {
      // The stream can end a moment before Docker records the exit code.
      for (let attempt = 0; attempt < 40; attempt++) {
        const info = await exec.inspect();
        if (!info.Running) {
          exitCode = info.ExitCode ?? -1;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    } catch (error) {
      throw this.classify(error, 'Reading the exit code of a command in the toolbox');
    }
    const elapsedMs = Math.round(performance.now() - started);
    const killedAtLimit = exitCode === 128 + 9 && elapsedMs >= seconds * 1000 - 100;
    return { exitCode, stdout: stdout.bytes(), stderr: stderr.bytes(), truncated: stdout.truncated() || stderr.truncated(), timedOut: !ended || killedAtLimit, elapsedMs };
  }

  async openShell(containerId: string, argv: readonly string[], options: ShellOptions): Promise<RunningToolbox> {
    const container = this.docker.getContainer(containerId);
    const { cols, rows } = options.size;
    let exec: Docker.Exec;
    let stream: Duplex;
    try {
      exec = await container.exec({
        Cmd: [...argv],
        ...(options.env ? { Env: [...options.env] } : {}),
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        // Honoured from API 1.42; older engines ignore it and get the resize below.
        ConsoleSize: [rows, cols],
      });
    } catch (error) {
      throw this.classify(error, 'Opening a shell in the toolbox');
    }
    try {
      stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
    } catch (error) {
      const e = this.classify(error, 'Opening a shell in the toolbox');
      // Docker drops a container's execs when it stops: "No such exec instance" for the exec just
      // created means the container stopped in between (a toolbox whose idle process could not
      // run), which the seam reports as every stopped container is, `conflict`.
      if (e.kind === 'not-found' && (await this.inspectContainer(containerId).catch(() => undefined))?.running === false) {
        throw new EngineError('conflict', `Opening a shell in the toolbox: Container ${containerId} stopped before the shell started`, 409);
      }
      throw e;
    }
    const resizeNow = async (w: number, h: number): Promise<void> => {
      try {
        await exec.resize({ w, h });
      } catch (error) {
        const e = this.classify(error, 'Resizing');
        // A resize racing the shell's start or exit is harmless.
        if (e.kind !== 'not-found' && e.kind !== 'conflict' && e.statusCode !== 500) throw e;
      }
    };
    // One resize at a time, in the order asked: two concurrent requests may reach Docker in either
    // order, and the initial size below must not land after the client's first resize.
    let resizing: Promise<unknown> = Promise.resolve();
    const resize = (w: number, h: number): Promise<void> => {
      const next = resizing.then(() => resizeNow(w, h));
      resizing = next.catch(() => undefined);
      return next;
    };
    // Before API 1.42 (Debian 12's Docker 20.10 speaks 1.41) an exec's TTY starts at 0x0: size
    // it at once, as `docker exec -it` does, and answer only then, so the first command anyone
    // types sees its terminal's size (on a loaded machine an unawaited resize landed after it).
    await resize(cols, rows).catch(() => undefined);
    return {
      id: containerId,
      stream,
      resize,
      exitCode: async () => {
        try {
          // The stream can end a moment before Docker records the exit code.
          for (let attempt = 0; attempt < 40; attempt++) {
            const info = await exec.inspect();
            if (!info.Running) return info.ExitCode ?? undefined;
            await new Promise((r) => setTimeout(r, 25));
          }
          return undefined;
        } catch (error) {
          const e = this.classify(error, 'Inspecting the shell');
          if (e.kind === 'unreachable') throw e;
          return undefined;
        }
      },
    };
  }

  async listToolboxes(labels: Record<string, string>): Promise<string[]> {
    try {
      const found = await this.docker.listContainers({
        all: true,
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
      });
      return found.map((c) => c.Id);
    } catch (error) {
      throw this.classify(error, 'Listing toolboxes');
    }
  }

  async toolboxLabels(id: string): Promise<Record<string, string> | undefined> {
    return (await this.inspectContainer(id))?.labels;
  }

  async removeContainer(id: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
        return;
      } catch (error) {
        const e = this.classify(error, 'Removing container');
        if (e.kind === 'not-found') return;
        // 409 "removal already in progress": wait for the other removal to finish.
        if (e.kind === 'conflict') {
          for (let i = 0; i < 50; i++) {
            await new Promise((r) => setTimeout(r, 100));
            if (!(await this.inspectContainer(id))) return;
          }
        }
        // Docker failed it (a kill that did not take, a file it could not delete): the container
        // is left dead or half-removed, and a later try often succeeds. A toolbox left behind is
        // worse than a slower end, so it is tried again before the reaper is left with it.
        const delay = REMOVE_RETRY_DELAYS_MS[attempt];
        if (e.kind !== 'failed' || delay === undefined) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async openEvents(): Promise<EngineEventStream> {
    let raw: NodeJS.ReadableStream;
    try {
      raw = await this.docker.getEvents({ filters: { type: ['container', 'network', 'service', 'node'] } });
    } catch (error) {
      throw this.classify(error, 'Subscribing to events');
    }
    const readable = raw as NodeJS.ReadableStream & { destroy?: () => void };
    const eventListeners: ((e: EngineEvent) => void)[] = [];
    const endListeners: ((e?: Error) => void)[] = [];
    let ended = false;
    const finish = (error?: Error) => {
      if (ended) return;
      ended = true;
      for (const l of endListeners) l(error);
    };
    let pending = '';
    readable.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (!line) continue;
        let parsed: { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        if (!['container', 'network', 'service', 'node'].includes(parsed.Type ?? '') || !parsed.Action || !parsed.Actor?.ID) continue;
        // "exec_start: bash" carries a command; keep only the verb.
        const action = parsed.Action.split(':')[0]!.trim();
        const event: EngineEvent = {
          kind: parsed.Type as EngineEvent['kind'],
          action,
          id: parsed.Actor.ID,
          ...(parsed.Actor.Attributes?.container ? { containerId: parsed.Actor.Attributes.container } : {}),
          ...(parsed.Type === 'container' && ['die', 'stop', 'destroy'].includes(action) ? { ends: true } : {}),
        };
        for (const l of eventListeners) l(event);
      }
    });
    readable.on('end', () => finish());
    readable.on('close', () => finish());
    readable.on('error', (error: Error) => finish(error));
    return {
      onEvent: (l) => eventListeners.push(l),
      onEnd: (l) => endListeners.push(l),
      close: () => {
        readable.destroy?.();
        finish();
      },
    };
  }
}
