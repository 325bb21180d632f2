import Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { dockerPlacement } from '../src/engine/docker-engine.js';
import type { ToolboxSpec } from '../src/engine/types.js';
import { IDLE_ENTRYPOINT } from '../src/toolboxes/toolbox-spec.js';

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
  /** ms per step: attach: create, attach, start; exec: create and start of the idling container, exec create, exec start. */
  steps: { create: number; attach: number; start: number };
  remove(): Promise<void>;
}

/**
 * How the raw shell is reached. `attach`: the shell is the container's process, read through
 * attach (what `docker run -it` does: the first-prompt baseline). `exec`: the container idles
 * and the shell is a TTY exec in it, read through the exec's stream: the stream Docker gives
 * Sonde's own shells (shell-toolboxes.ts), so the terminal figures compare like with like.
 */
export type RawShell = 'attach' | 'exec';

export async function startRawToolbox(spec: ToolboxSpec, shell: RawShell = 'attach'): Promise<RawToolbox> {
  return shell === 'exec' ? startRawExec(spec) : startRawAttach(spec);
}

async function startRawExec(spec: ToolboxSpec): Promise<RawToolbox> {
  const t0 = performance.now();
  const container = await createRaw(spec, IDLE_ENTRYPOINT, false);
  await container.start();
  const t1 = performance.now();
  const exec = await container.exec({
    Cmd: [...spec.entrypoint],
    Env: spec.env,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    ConsoleSize: [spec.initialSize.rows, spec.initialSize.cols],
  });
  const t2 = performance.now();
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
  return rawToolbox(container, stream, [t0, t1, t2, performance.now()]);
}

async function startRawAttach(spec: ToolboxSpec): Promise<RawToolbox> {
  const t0 = performance.now();
  const container = await createRaw(spec, spec.entrypoint, true);
  const t1 = performance.now();
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  const t2 = performance.now();
  await container.start();
  return rawToolbox(container, stream, [t0, t1, t2, performance.now()]);
}

/** A started raw toolbox: its stream, the three steps' times from four instants, and its removal. */
function rawToolbox(container: Docker.Container, stream: Duplex, [t0, t1, t2, t3]: [number, number, number, number]): RawToolbox {
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

/** The container Sonde would make for `spec`, running `entrypoint`; with `tty` its process gets the terminal. */
function createRaw(spec: ToolboxSpec, entrypoint: readonly string[], tty: boolean): Promise<Docker.Container> {
  const place = dockerPlacement(spec.placement);
  return docker.createContainer({
    name: `${spec.name}-raw`,
    Image: spec.image,
    Entrypoint: [...entrypoint],
    Cmd: [],
    Env: spec.env,
    Labels: BENCH_LABELS,
    ...(place.Hostname ? { Hostname: place.Hostname } : {}),
    Tty: tty,
    OpenStdin: tty,
    StdinOnce: false,
    AttachStdin: tty,
    AttachStdout: tty,
    AttachStderr: tty,
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
}

/** Removes every container the benchmark labelled (also what an interrupted run left). */
export async function removeBenchContainers(): Promise<number> {
  const found = await docker.listContainers({ all: true, filters: { label: ['sonde.bench=true'] } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return found.length;
}
