/**
 * The React side of api/: the ConsoleData of this login through context, and one hook per live
 * resource (useSyncExternalStore over LiveResource), so features read data without knowing how
 * it is fetched or refreshed, and act through the resource modules useConsoleData() hands out.
 */
import type { ApiTokenInfo, CaptureInfo, ContainerSummary, EngineInfo, Health, KubeNamespace, KubeNode, KubePod, Me, NetstateChange, NetstatePending, NetworkSummary, RecordingInfo, RunInfo, SessionInfo, SwarmNode, SwarmService, ToolInfo, User } from '@sonde/shared';
import { createContext, useCallback, useContext, useMemo, useSyncExternalStore } from 'react';
import type { ConsoleData } from '../api/console-data';
import type { EventStreamState } from '../api/events';
import { engineViews, type EngineView } from './engine-views';
import type { ListingSource } from '../api/inventory';
import type { LiveResource, ResourceSnapshot } from '../api/live-resource';
import { canManageSession, canOperate, isAdmin, isShareGuest } from '../api/permissions';

export const ConsoleDataContext = createContext<ConsoleData | null>(null);

export function useConsoleData(): ConsoleData {
  const data = useContext(ConsoleDataContext);
  if (!data) throw new Error('useConsoleData must be used inside <ConsoleDataContext>');
  return data;
}

function useResource<T>(resource: LiveResource<T>): ResourceSnapshot<T> {
  return useSyncExternalStore(resource.subscribe, resource.getSnapshot);
}

export function useContainers(): ResourceSnapshot<ContainerSummary[]> {
  return useResource(useConsoleData().inventory.containers);
}

export function useNetworks(): ResourceSnapshot<NetworkSummary[]> {
  return useResource(useConsoleData().inventory.networks);
}

export function useEngines(): ResourceSnapshot<EngineInfo[]> {
  return useResource(useConsoleData().inventory.engines);
}

export function useSwarmNodes(): ResourceSnapshot<SwarmNode[]> {
  return useResource(useConsoleData().inventory.swarmNodes);
}

export function useSwarmServices(): ResourceSnapshot<SwarmService[]> {
  return useResource(useConsoleData().inventory.swarmServices);
}

export function useKubeNamespaces(): ResourceSnapshot<KubeNamespace[]> {
  return useResource(useConsoleData().inventory.kubeNamespaces);
}

export function useKubePods(): ResourceSnapshot<KubePod[]> {
  return useResource(useConsoleData().inventory.kubePods);
}

export function useKubeNodes(): ResourceSnapshot<KubeNode[]> {
  return useResource(useConsoleData().inventory.kubeNodes);
}

/** Engines the last containers, networks and Swarm replies left out (down or too slow to answer). */
export function useLeftOutEngines(): Readonly<Record<ListingSource, readonly string[]>> {
  const leftOut = useConsoleData().inventory.leftOut;
  return useSyncExternalStore(leftOut.subscribe, leftOut.getSnapshot);
}

/**
 * Every engine with its health, merged from GET /api/engines, the pushed health and the engines
 * the last listings left out (api/engine-views.ts). Empty until either of the first two arrives.
 */
export function useEngineViews(): EngineView[] {
  const engines = useEngines();
  const health = useHealth();
  const leftOut = useLeftOutEngines();
  return useMemo(
    () =>
      engineViews(
        engines.status === 'ready' ? engines.data : undefined,
        health.status === 'ready' ? health.data : undefined,
        [...new Set([...leftOut.containers, ...leftOut.networks, ...leftOut.swarm, ...leftOut.kubernetes])],
      ),
    [engines, health, leftOut],
  );
}

export function useHealth(): ResourceSnapshot<Health> {
  return useResource(useConsoleData().inventory.health);
}

export function useSessions(): ResourceSnapshot<SessionInfo[]> {
  return useResource(useConsoleData().sessions.list);
}

/** Packet captures: mine (every one for an admin), running and kept. */
export function useCaptures(): ResourceSnapshot<CaptureInfo[]> {
  return useResource(useConsoleData().captures.list);
}

export function useTools(): ResourceSnapshot<ToolInfo[]> {
  return useResource(useConsoleData().runs.tools);
}

export function useRuns(): ResourceSnapshot<RunInfo[]> {
  return useResource(useConsoleData().runs.list);
}

export function useRecordingList(): ResourceSnapshot<RecordingInfo[]> {
  return useResource(useConsoleData().recordings.list);
}

export function useNetstateChanges(): ResourceSnapshot<NetstateChange[]> {
  return useResource(useConsoleData().netstate.list);
}

/** What an open session has changed so far, once the server said (undefined before). */
export function useNetstatePending(sessionId: string): NetstatePending | undefined {
  const snapshot = useResource(useConsoleData().netstate.pending);
  return snapshot.status === 'ready' ? snapshot.data[sessionId] : undefined;
}

export function useUsers(): ResourceSnapshot<User[]> {
  return useResource(useConsoleData().admin.users);
}

export function useApiTokens(): ResourceSnapshot<ApiTokenInfo[]> {
  return useResource(useConsoleData().admin.apiTokens);
}

export function useLiveUpdatesState(): EventStreamState {
  const stream = useConsoleData().liveUpdates;
  const subscribe = useCallback(
    (listener: () => void) => {
      const subscription = stream.events.on('state', listener);
      return () => subscription.dispose();
    },
    [stream],
  );
  return useSyncExternalStore(subscribe, () => stream.state);
}

/** Who is logged in; null only for a ConsoleData created without one (tests). */
export function useMe(): Me | null {
  return useConsoleData().me;
}

export interface Permissions {
  /** Open shells, run tools and captures. */
  canOperate: boolean;
  /** Users, tokens, policy, audit, host sessions. */
  isAdmin: boolean;
  /** A share-link guest: one session, nothing else. */
  isShareGuest: boolean;
  /** Hand the keyboard around and create share links for this session. */
  canManage(session: Pick<SessionInfo, 'owner'>): boolean;
}

/** What the signed-in principal may do, for hiding controls it cannot use (the server decides for real). */
export function usePermissions(): Permissions {
  const me = useMe();
  return useMemo(
    () => ({
      canOperate: canOperate(me),
      isAdmin: isAdmin(me),
      isShareGuest: isShareGuest(me),
      canManage: (session) => canManageSession(me, session),
    }),
    [me],
  );
}
