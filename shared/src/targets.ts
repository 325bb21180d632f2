import type { ResolvedTarget } from './sessions.js';

/**
 * How a resolved target reads, in one place for the server and the browser:
 * - `label`: `container web-1`, `network shop`, `host`, `pod shop/cart-1`, `node worker-2` (audit
 *   trail, recordings, changes left behind);
 * - `short`: `web-1 (net)`, `web-1 (net+pid)`, `net: shop`, `host`, `cart-1 (pod)`, `node: worker-2`
 *   (tabs, toolbox labels);
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
    case 'pod':
      if (style === 'label') return `pod ${target.namespace}/${target.pod}`;
      if (style === 'short') return `${target.pod} (pod)`;
      return `Network namespace of pod ${target.namespace}/${target.pod} (processes of ${target.container})`;
    case 'node':
      if (style === 'label') return `node ${target.node}`;
      if (style === 'short') return `node: ${target.node}`;
      return `Host network namespace of node ${target.node}`;
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}

/**
 * Which network namespace a target is, as one string: its engine and the container, network, pod,
 * node or host whose namespace it is. Two targets with the same key are the same place (whether a
 * container target also shares its processes is not part of it).
 */
export function namespaceKey(target: ResolvedTarget): string {
  switch (target.kind) {
    case 'container':
      return `${target.engine}/container/${target.containerId}`;
    case 'network':
    case 'network-namespace':
      return `${target.engine}/${target.kind}/${target.networkId}`;
    case 'host':
      return `${target.engine}/host`;
    case 'pod':
      return `${target.engine}/pod/${target.namespace}/${target.podUid}`;
    case 'node':
      return `${target.engine}/node/${target.node}`;
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}

/**
 * Targets whose output is host data, for admins only (a host's, an overlay's own namespace on a
 * node, a Kubernetes node's): their screens, recordings, runs and captures, and no share links.
 */
export function isHostData(target: Pick<ResolvedTarget, 'kind'>): boolean {
  return target.kind === 'host' || target.kind === 'network-namespace' || target.kind === 'node';
}
