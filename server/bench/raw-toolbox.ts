import Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { dockerPlacement } from '../src/engine/docker-engine.js';
import type { ToolboxSpec } from '../src/engine/types.js';

/**
 * The baseline a user would otherwise script: dockerode straight, create + attach + start of
 * the same container Sonde makes (same image, entrypoint, namespaces, limits). The benchmark
 * is the one place outside the engine seam that imports dockerode, because measuring Docker
 * without Sonde is its job.
 */
export const docker = new Docker(process.env.DOCKER_HOST?.startsWith('unix://') ? { socketPath: process.env.DOCKER_HOST.slice(7) } : {});

export const BENCH_LABELS = { 'sonde.bench': 'true', 'sonde.test': 'true' };

export interface RawToolbox {
  id: string;
  stream: Duplex;
  /** ms from the call to create returning, attach returning, start returning. */
  steps: { create: number; attach: number; start: number };
  remove(): Promise<void>;
}

export async function startRawToolbox(spec: ToolboxSpec): Promise<RawToolbox> {
  const place = dockerPlacement(spec.placement);
  const t0 = performance.now();
  const container = await docker.createContainer({
    name: `${spec.name}-raw`,
    Image: spec.image,
    Entrypoint: spec.entrypoint,
    Cmd: [],
    Env: spec.env,
    Labels: BENCH_LABELS,
    ...(place.Hostname ? { Hostname: place.Hostname } : {}),
    Tty: true,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      NetworkMode: place.NetworkMode,
      ...(place.PidMode ? { PidMode: place.PidMode } : {}),
      CapAdd: spec.capAdd,
      CapDrop: spec.capDrop,
      SecurityOpt: spec.securityOpt,
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      NanoCpus: spec.nanoCpus,
      Init: true,
      ConsoleSize: [spec.initialSize.rows, spec.initialSize.cols],
    },
    ...(place.network ? { NetworkingConfig: { EndpointsConfig: { [place.network]: {} } } } : {}),
  });
  const t1 = performance.now();
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  const t2 = performance.now();
  await container.start();
  const t3 = performance.now();
  return {
    id: container.id,
    stream,
    steps: { create: t1 - t0, attach: t2 - t1, start: t3 - t2 },
    remove: async () => {
      stream.destroy();
      await container.remove({ force: true }).catch(() => undefined);
    },
  };
}

/** Removes every container the benchmark labelled (also what an interrupted run left). */
export async function removeBenchContainers(): Promise<number> {
  const found = await docker.listContainers({ all: true, filters: { label: ['sonde.bench=true'] } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return found.length;
}
