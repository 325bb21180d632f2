/**
 * React access to ConsoleData: one hook per resource, so features read data without knowing
 * how it is fetched or refreshed.
 */
import type { ApiTokenInfo, ContainerSummary, Health, Me, NetworkSummary, RunInfo, SessionInfo, ToolInfo, User } from '@sonde/shared';
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { ConsoleData } from './console-data';
import type { DockerEventsState } from './docker-events';
import type { LiveResource, ResourceSnapshot } from './live-resource';

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
  return useResource(useConsoleData().containers);
}

export function useNetworks(): ResourceSnapshot<NetworkSummary[]> {
  return useResource(useConsoleData().networks);
}

export function useSessions(): ResourceSnapshot<SessionInfo[]> {
  return useResource(useConsoleData().sessions);
}

export function useTools(): ResourceSnapshot<ToolInfo[]> {
  return useResource(useConsoleData().tools);
}

export function useRuns(): ResourceSnapshot<RunInfo[]> {
  return useResource(useConsoleData().runs);
}

export function useHealth(): ResourceSnapshot<Health> {
  return useResource(useConsoleData().health);
}

/** Who is logged in; null only for a ConsoleData created without one (tests). */
export function useMe(): Me | null {
  return useConsoleData().me;
}

export function useUsers(): ResourceSnapshot<User[]> {
  return useResource(useConsoleData().admin.users);
}

export function useApiTokens(): ResourceSnapshot<ApiTokenInfo[]> {
  return useResource(useConsoleData().admin.apiTokens);
}

export function useLiveUpdatesState(): DockerEventsState {
  const events = useConsoleData().liveUpdates;
  const subscribe = useCallback(
    (listener: () => void) => {
      const subscription = events.events.on('state', listener);
      return () => subscription.dispose();
    },
    [events],
  );
  return useSyncExternalStore(subscribe, () => events.state);
}
