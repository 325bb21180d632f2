/**
 * The React side of api/diagnosis and api/topology: the principal's doctor runs and matrices as
 * live lists, the topology graph while a component shows it, and the actions on them. In a file
 * of their own so the resource hooks in use-console-data stay the inventory's.
 */
import type { CreateDoctorRequest, CreateMatrixRequest, DoctorRun, MatrixRun, Topology } from '@sonde/shared';
import { useEffect, useSyncExternalStore } from 'react';
import type { Diagnosis } from '../api/diagnosis';
import type { ResourceSnapshot } from '../api/live-resource';
import { useConsoleData } from './use-console-data';

export function useDoctorRuns(): ResourceSnapshot<DoctorRun[]> {
  const resource = useConsoleData().diagnosis.doctorRuns;
  useEffect(() => {
    if (resource.getSnapshot().status !== 'ready') void resource.refresh();
  }, [resource]);
  return useSyncExternalStore(resource.subscribe, resource.getSnapshot);
}

export function useMatrices(): ResourceSnapshot<MatrixRun[]> {
  const resource = useConsoleData().diagnosis.matrices;
  useEffect(() => {
    if (resource.getSnapshot().status !== 'ready') void resource.refresh();
  }, [resource]);
  return useSyncExternalStore(resource.subscribe, resource.getSnapshot);
}

/** The graph of every engine (or of `engine`), fetched on mount and again after every engine change while mounted. */
export function useTopology(engine?: string): ResourceSnapshot<Topology> {
  const map = useConsoleData().topology;
  const graph = map.graph(engine);
  useEffect(() => map.watch(engine), [map, engine]);
  return useSyncExternalStore(graph.subscribe, graph.getSnapshot);
}

/** Starting, cancelling and re-running: the api module, for features to act through. */
export function useDiagnosisActions(): Pick<Diagnosis, 'startDoctor' | 'cancelDoctor' | 'startMatrix' | 'cancelMatrix' | 'rerunCell' | 'exportUrl'> {
  const diagnosis = useConsoleData().diagnosis;
  return {
    startDoctor: (request: CreateDoctorRequest) => diagnosis.startDoctor(request),
    cancelDoctor: (id: string) => diagnosis.cancelDoctor(id),
    startMatrix: (request: CreateMatrixRequest) => diagnosis.startMatrix(request),
    cancelMatrix: (id: string) => diagnosis.cancelMatrix(id),
    rerunCell: (id: string, from: string, to: string) => diagnosis.rerunCell(id, from, to),
    exportUrl: (id: string, format: 'csv' | 'json') => diagnosis.exportUrl(id, format),
  };
}
