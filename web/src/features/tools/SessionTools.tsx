import type { SessionInfo } from '@sonde/shared';
import type { ReactNode } from 'react';
import { useContainers, useNetworks } from '../../hooks/use-console-data';
import { ToolLauncher, type LaunchContext } from './ToolLauncher';

/** The tools panel for a terminal tab: runs go into the same namespaces as the session. */
export function sessionLaunchContext(
  session: SessionInfo,
  containers: LaunchContext['container'][] = [],
  networks: LaunchContext['network'][] = [],
): LaunchContext {
  const blockedReason = session.state === 'running' ? null : 'The session has ended.';
  const target = session.target;
  switch (target.kind) {
    case 'container': {
      const container = containers.find((c) => c?.id === target.containerId && c.engine === target.engine);
      return {
        target: { kind: 'container', engine: target.engine, container: target.containerId, sharePid: target.sharePid },
        ...(container ? { container } : {}),
        blockedReason,
      };
    }
    case 'network': {
      // An overlay has one id on every node: the session's engine's view of it.
      const network = networks.find((n) => n?.id === target.networkId && n.engine === target.engine);
      return { target: { kind: 'network', engine: target.engine, network: target.networkId }, ...(network ? { network } : {}), blockedReason };
    }
    case 'network-namespace':
      return { target: { kind: 'network-namespace', engine: target.engine, network: target.networkId }, host: true, blockedReason };
    case 'host':
      return { target: { kind: 'host', engine: target.engine }, host: true, blockedReason };
    case 'pod':
      return { target: { kind: 'pod', engine: target.engine, namespace: target.namespace, pod: target.pod, container: target.container }, blockedReason };
    case 'node':
      return { target: { kind: 'node', engine: target.engine, node: target.node }, host: true, blockedReason };
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}

/**
 * `children`: what the page adds below the tools for the same target (the capture panel).
 * `drives`: the user holds the session's keyboard, so its runs are marked on its recording (the
 * server refuses markers from someone watching).
 */
export function SessionTools({ session, drives = false, children }: { session: SessionInfo; drives?: boolean; children?: (context: LaunchContext) => ReactNode }) {
  const containers = useContainers();
  const networks = useNetworks();
  const context: LaunchContext = {
    ...sessionLaunchContext(session, containers.status === 'ready' ? containers.data : [], networks.status === 'ready' ? networks.data : []),
    ...(drives && session.state === 'running' ? { sessionId: session.id } : {}),
  };
  return (
    <div className="session-tools" data-testid="session-tools">
      <ToolLauncher context={context} />
      {children?.(context)}
    </div>
  );
}
