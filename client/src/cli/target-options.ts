/** The target flags `shell`, `run` and `capture` share: `<container>`, `--network N`, `--host`, `--pod` or `--node`. */
import type { TargetRequest } from '@sonde/shared';
import { usage } from './cli-error.js';

export const TARGET_OPTIONS = {
  network: { type: 'string' },
  host: { type: 'boolean' },
  pod: { type: 'string' },
  node: { type: 'string' },
  engine: { type: 'string' },
  pid: { type: 'boolean' },
} as const;

export const TARGET_HELP = `target (exactly one):
  <container>       a container's network namespace (name or id)
  --network N       a new toolbox attached to network N
  --host            the engine host's namespace (admins)
  --pod NS/POD      a Kubernetes pod (NS/POD:CONTAINER for one of its containers)
  --node N          a Kubernetes node's own namespace
  --engine E        the engine the target is on (when the console has several)
  --pid             also share the container's PID namespace (container targets)`;

export function targetFrom(
  command: string,
  container: string | undefined,
  values: {
    network?: string | undefined;
    host?: boolean | undefined;
    pod?: string | undefined;
    node?: string | undefined;
    engine?: string | undefined;
    pid?: boolean | undefined;
  },
): TargetRequest {
  const given = [container !== undefined, values.network !== undefined, values.host === true, values.pod !== undefined, values.node !== undefined].filter(Boolean).length;
  if (given !== 1) throw usage(`sonde ${command}: name exactly one target: <container>, --network N, --host, --pod NS/POD or --node N.`);
  const engine = values.engine === undefined ? {} : { engine: values.engine };
  if (values.pid && container === undefined) throw usage(`sonde ${command}: --pid applies to a container target only.`);
  if (container !== undefined) return { kind: 'container', container, ...engine, ...(values.pid ? { sharePid: true } : {}) };
  if (values.network !== undefined) return { kind: 'network', network: values.network, ...engine };
  if (values.node !== undefined) return { kind: 'node', node: values.node, ...engine };
  if (values.pod !== undefined) {
    const match = /^([^/:]+)\/([^/:]+)(?::([^/:]+))?$/.exec(values.pod);
    if (!match) throw usage(`sonde ${command}: --pod takes NAMESPACE/POD or NAMESPACE/POD:CONTAINER, got "${values.pod}".`);
    return { kind: 'pod', namespace: match[1]!, pod: match[2]!, ...(match[3] ? { container: match[3] } : {}), ...engine };
  }
  return { kind: 'host', ...engine };
}
