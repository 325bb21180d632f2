import type { ResolvedTarget } from './sessions.js';

/**
 * How a resolved target reads, in one place for the server and the browser:
 * - `label`: `container web-1`, `network shop`, `host` (audit trail, recordings, changes left behind);
 * - `short`: `web-1 (net)`, `web-1 (net+pid)`, `net: shop`, `host` (tabs, toolbox labels);
 * - `long`: `Network namespace of container web-1` (headings).
 * A target on an engine other than `local` (the default engine's name) says which: `… on edge-1`.
 */
export type TargetStyle = 'label' | 'short' | 'long';

export function describeTarget(target: ResolvedTarget, style: TargetStyle = 'label'): string {
  const where = target.engine && target.engine !== 'local' ? (style === 'short' ? ` @${target.engine}` : ` on ${target.engine}`) : '';
  return what(target, style) + where;
}

function what(target: ResolvedTarget, style: TargetStyle): string {
  switch (target.kind) {
    case 'container': {
      const task = target.task ? `${target.task.service}${target.task.slot !== undefined ? `.${target.task.slot}` : ''}` : undefined;
      if (style === 'label') return task ? `task ${task}` : `container ${target.containerName}`;
      if (style === 'short') return `${task ?? target.containerName} (${target.sharePid ? 'net+pid' : 'net'})`;
      const of = task ? `task ${task} (container ${target.containerName})` : `container ${target.containerName}`;
      return target.sharePid ? `Network and process namespaces of ${of}` : `Network namespace of ${of}`;
    }
    case 'network':
      if (style === 'label') return `network ${target.networkName}`;
      if (style === 'short') return `net: ${target.networkName}`;
      return `Toolbox attached to network ${target.networkName}`;
    case 'network-namespace':
      if (style === 'label') return `namespace of network ${target.networkName}`;
      if (style === 'short') return `ns: ${target.networkName}`;
      return `The own namespace of network ${target.networkName} (its bridge and VXLAN)`;
    case 'host':
      return style === 'long' ? 'Host network namespace' : 'host';
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}
