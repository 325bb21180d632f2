import type { ContainerSummary, ResolvedTarget } from '@sonde/shared';

/**
 * Where the client side of a two-sided tool reaches the peer container: its IPv4 address on a
 * network the client is on too (Docker bridges do not route between each other), loopback when
 * both sides share one namespace, any of its addresses from the host namespace. Undefined when
 * there is no such address. Overlay networks span engines: a peer on another node is reached on
 * an overlay both sides are on (network names are the cluster's).
 */
export function pickPeerAddress(peer: ContainerSummary, client: ResolvedTarget, containers: readonly ContainerSummary[]): string | undefined {
  switch (client.kind) {
    case 'container': {
      if (client.containerId === peer.id && client.engine === peer.engine) return '127.0.0.1';
      const clientNetworks = new Set(containers.find((c) => c.id === client.containerId)?.networks.map((n) => n.name) ?? []);
      return peer.networks.find((n) => n.ipv4 && clientNetworks.has(n.name))?.ipv4;
    }
    case 'network':
      return peer.networks.find((n) => n.name === client.networkName)?.ipv4;
    case 'host':
      return peer.engine === client.engine ? peer.networks.find((n) => n.ipv4)?.ipv4 : undefined;
    case 'network-namespace':
      return peer.networks.find((n) => n.name === client.networkName)?.ipv4;
    // A pod or a node reaches a Docker container only through routes Sonde does not know.
    case 'pod':
    case 'node':
      return undefined;
    default: {
      const unexpected: never = client;
      return unexpected;
    }
  }
}
