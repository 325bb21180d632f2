/** The target flags `shell`, `run` and `capture` share: `<container>`, `--network N` or `--host`. */
import type { TargetRequest } from '@sonde/shared';
import { usage } from './cli-error.js';

export const TARGET_OPTIONS = {
  network: { type: 'string' },
  host: { type: 'boolean' },
  engine: { type: 'string' },
  pid: { type: 'boolean' },
} as const;

export const TARGET_HELP = `target (exactly one):
  <container>       a container's network namespace (name or id)
  --network N       a new toolbox attached to network N
  --host            the engine host's namespace (admins)
  --engine E        the engine the target is on (when the console has several)
  --pid             also share the container's PID namespace (container targets)`;

export function targetFrom(
  command: string,
  container: string | undefined,
  values: { network?: string | undefined; host?: boolean | undefined; engine?: string | undefined; pid?: boolean | undefined },
): TargetRequest {
  const given = [container !== undefined, values.network !== undefined, values.host === true].filter(Boolean).length;
  if (given !== 1) throw usage(`sonde ${command}: name exactly one target: <container>, --network N or --host.`);
  const engine = values.engine === undefined ? {} : { engine: values.engine };
  if (values.pid && container === undefined) throw usage(`sonde ${command}: --pid applies to a container target only.`);
  if (container !== undefined) return { kind: 'container', container, ...engine, ...(values.pid ? { sharePid: true } : {}) };
  if (values.network !== undefined) return { kind: 'network', network: values.network, ...engine };
  return { kind: 'host', ...engine };
}
