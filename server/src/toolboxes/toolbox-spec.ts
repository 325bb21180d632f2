import { describeTarget, type ResolvedTarget } from '@sonde/shared';
import type { Placement, ToolboxSpec } from '../engine/types.js';

/**
 * What every toolbox is: the labels Sonde puts on what it creates (and reaps by), the fixed
 * shell, the least capabilities, the limits. Sessions, runs, captures and probes build their
 * containers here and nowhere else.
 */
export const LABELS = {
  managed: 'sonde.managed',
  session: 'sonde.session',
  instance: 'sonde.instance',
  target: 'sonde.target',
  /** Set on the toolboxes of a tool run (its client and, for two-sided tools, its peer). */
  run: 'sonde.run',
  /** Set on the toolbox of a packet capture. */
  capture: 'sonde.capture',
  /** Set on the idle toolbox a doctor run execs its checks in. */
  doctor: 'sonde.doctor',
  /** Set on the idle toolboxes of a connectivity matrix, one per member. */
  matrix: 'sonde.matrix',
} as const;

/**
 * Prefer bash, fall back to sh, so any netshoot-like image works (nicolaka/netshoot, busybox).
 * A fixed script: nothing a user sends ever reaches this shell's command line.
 */
export const SHELL_ENTRYPOINT = [
  '/bin/sh',
  '-c',
  'if command -v bash >/dev/null 2>&1; then exec bash -i; else exec sh -i; fi',
];

/**
 * Only what network tools need: NET_ADMIN/NET_RAW for interfaces, routes and raw sockets,
 * SETUID/SETGID because tcpdump and dumpcap drop to an unprivileged user.
 */
export const BASE_CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID'];

export interface ToolboxSettings {
  image: string;
  /** The image of toolboxes on Kubernetes engines (SONDE_K8S_TOOLBOX_IMAGE): the kubelet pulls it. */
  kubernetesImage?: string;
  instance: string;
  limits: { memoryBytes: number; pids: number; nanoCpus: number };
}

/**
 * Enters an overlay's own namespace, then drops what entering needed (SYS_ADMIN, SETPCAP) from the
 * bounding set, so what runs next (a shell, a tool's argv, given as "$@") holds only the network
 * capabilities. A fixed script: the network comes as SONDE_NETNS (10 hex digits, checked), the
 * command as arguments, never as text in the script. The file is `<epoch>-<first 10 of the id>`.
 */
export const NETNS_SCRIPT = [
  'f=$(ls /run/sonde/netns 2>/dev/null | grep -E "^[0-9]+-${SONDE_NETNS}$" | head -n 1)',
  'if [ -z "$f" ]; then echo "sonde: this node has no namespace of that network (no task of it runs here)" >&2; exit 3; fi',
  'exec nsenter --net="/run/sonde/netns/$f" setpriv --bounding-set=-sys_admin,-setpcap -- "$@"',
].join('\n');

/** How a tool run's toolbox differs from a shell session's. */
export interface ToolboxOverrides {
  /** The tool's argv, run directly as the entrypoint: no shell. */
  entrypoint?: string[];
  /** Capabilities instead of BASE_CAPABILITIES (a tool gets only what it needs). */
  capabilities?: string[];
  /** Container name instead of `sonde-<id>`. */
  name?: string;
  labels?: Record<string, string>;
  initialSize?: { cols: number; rows: number };
}

export function buildToolboxSpec(sessionId: string, target: ResolvedTarget, settings: ToolboxSettings, overrides: ToolboxOverrides = {}): ToolboxSpec {
  const capAdd = [...(overrides.capabilities ?? BASE_CAPABILITIES)];
  let placement: Placement;
  let image = settings.image;
  let entrypoint = overrides.entrypoint ?? SHELL_ENTRYPOINT;
  const env: string[] = [];
  switch (target.kind) {
    case 'container':
      placement = { kind: 'container', containerId: target.containerId, sharePid: target.sharePid };
      // Without it `ss -p` shows no processes and `strace -p` is refused.
      if (target.sharePid) capAdd.push('SYS_PTRACE');
      break;
    case 'network':
      placement = { kind: 'network', networkName: target.networkName, hostname: `sonde-${sessionId.slice(0, 8).toLowerCase()}` };
      break;
    case 'host':
      placement = { kind: 'host' };
      break;
    case 'network-namespace': {
      const prefix = target.networkId.slice(0, 10);
      if (!/^[0-9a-z]{10}$/.test(prefix)) throw new Error('a network id is 25 lower-case letters and digits');
      // No network of its own: it enters the overlay's namespace on this node, with the node's netns files.
      placement = { kind: 'netns-files' };
      capAdd.push('SYS_ADMIN', 'SETPCAP');
      env.push(`SONDE_NETNS=${prefix}`);
      entrypoint = ['/bin/sh', '-c', NETNS_SCRIPT, 'sonde-netns', ...entrypoint];
      break;
    }
    case 'pod':
      placement = { kind: 'pod', namespace: target.namespace, pod: target.pod, podUid: target.podUid, container: target.container };
      image = settings.kubernetesImage ?? settings.image;
      break;
    case 'node':
      placement = { kind: 'node', node: target.node };
      image = settings.kubernetesImage ?? settings.image;
      break;
  }
  return {
    name: overrides.name ?? `sonde-${sessionId}`,
    image,
    entrypoint,
    env: ['TERM=xterm-256color', `SONDE_SESSION=${sessionId}`, `SONDE_TARGET=${describeTarget(target, 'short')}`, ...env],
    labels: {
      [LABELS.managed]: 'true',
      [LABELS.session]: sessionId,
      [LABELS.instance]: settings.instance,
      [LABELS.target]: describeTarget(target, 'short'),
      ...overrides.labels,
    },
    placement,
    capAdd,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    memoryBytes: settings.limits.memoryBytes,
    pidsLimit: settings.limits.pids,
    nanoCpus: settings.limits.nanoCpus,
    initialSize: overrides.initialSize ?? { cols: 80, rows: 24 },
  };
}
