import type { ResolvedTarget } from './sessions.js';

/**
 * How a resolved target reads, in one place for the server and the browser:
 * - `label`: `container web-1`, `network shop`, `host` (audit trail, recordings, changes left behind);
 * - `short`: `web-1 (net)`, `web-1 (net+pid)`, `net: shop`, `host` (tabs, toolbox labels);
 * - `long`: `Network namespace of container web-1` (headings).
 */
export type TargetStyle = 'label' | 'short' | 'long';

export function describeTarget(target: ResolvedTarget, style: TargetStyle = 'label'): string {
  switch (target.kind) {
    case 'container':
      if (style === 'label') return `container ${target.containerName}`;
      if (style === 'short') return `${target.containerName} (${target.sharePid ? 'net+pid' : 'net'})`;
      return target.sharePid ? `Network and process namespaces of container ${target.containerName}` : `Network namespace of container ${target.containerName}`;
    case 'network':
      if (style === 'label') return `network ${target.networkName}`;
      if (style === 'short') return `net: ${target.networkName}`;
      return `Toolbox attached to network ${target.networkName}`;
    case 'host':
      return style === 'long' ? 'Host network namespace' : 'host';
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}
