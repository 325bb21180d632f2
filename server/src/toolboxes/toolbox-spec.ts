import { describeTarget, type ResolvedTarget } from '@sonde/shared';
import type { ToolboxSpec } from '../engine/types.js';

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
  instance: string;
  limits: { memoryBytes: number; pids: number; nanoCpus: number };
}

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
  let networkMode: string;
  let pidMode: string | undefined;
  let network: string | undefined;
  let hostname: string | undefined;
  switch (target.kind) {
    case 'container':
      networkMode = `container:${target.containerId}`;
      if (target.sharePid) {
        pidMode = `container:${target.containerId}`;
        // Without it `ss -p` shows no processes and `strace -p` is refused.
        capAdd.push('SYS_PTRACE');
      }
      break;
    case 'network':
      networkMode = target.networkName;
      network = target.networkName;
      hostname = `sonde-${sessionId.slice(0, 8).toLowerCase()}`;
      break;
    case 'host':
      networkMode = 'host';
      break;
  }
  return {
    name: overrides.name ?? `sonde-${sessionId}`,
    image: settings.image,
    entrypoint: overrides.entrypoint ?? SHELL_ENTRYPOINT,
    env: ['TERM=xterm-256color', `SONDE_SESSION=${sessionId}`, `SONDE_TARGET=${describeTarget(target, 'short')}`],
    labels: {
      [LABELS.managed]: 'true',
      [LABELS.session]: sessionId,
      [LABELS.instance]: settings.instance,
      [LABELS.target]: describeTarget(target, 'short'),
      ...overrides.labels,
    },
    ...(hostname ? { hostname } : {}),
    networkMode,
    ...(network ? { network } : {}),
    ...(pidMode ? { pidMode } : {}),
    capAdd,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    memoryBytes: settings.limits.memoryBytes,
    pidsLimit: settings.limits.pids,
    nanoCpus: settings.limits.nanoCpus,
    initialSize: overrides.initialSize ?? { cols: 80, rows: 24 },
  };
}
