import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config, DockerEngineConfig, EngineConfig } from '../config.js';
import { DockerEngine } from '../engine/docker-engine.js';
import { EngineSet } from '../engine/engine-set.js';
import { KubernetesEngine } from '../engine/kubernetes-engine.js';
import type { Engine } from '../engine/types.js';
import { BASE_CAPABILITIES } from '../toolboxes/toolbox-spec.js';
import { detectConsoleContainer, isConsoleContainer, type ConsoleContainer } from '../policy/console-container.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The console's container engines, each with its own health, events and reconnect. */
    engines: EngineSet;
    /** Whether a container id is the console's own (found by id at start, not by label). */
    isConsole: (containerId: string) => boolean;
  }
}

export interface EnginePluginOptions {
  /** Engines built by the caller (tests); otherwise one engine per configured one (Docker or Kubernetes). */
  engines?: readonly Engine[];
  /** The console's own container; detected from /proc when not given. */
  consoleContainer?: ConsoleContainer;
}

/** Bound on establishing a connection to an engine: a dead host is found out in seconds, not minutes. */
const CONNECTION_TIMEOUT_MS = 5000;

function dockerEngine(engine: Pick<DockerEngineConfig, 'name' | 'host' | 'tlsDir'>, ssh: Config['ssh']): DockerEngine {
  return new DockerEngine({ ...engine, connectionTimeoutMs: CONNECTION_TIMEOUT_MS, ...(ssh && engine.host?.startsWith('ssh://') ? { ssh } : {}) });
}

/** A configured engine: Docker, or a Kubernetes cluster (its kubeconfig is read now, so a bad one stops the start). */
function engineOf(config: EngineConfig, instance: string, ssh: Config['ssh']): Engine {
  if (config.kind === 'docker') return dockerEngine(config, ssh);
  const { kind: _kind, ...cluster } = config;
  return new KubernetesEngine({ ...cluster, instance, podCapabilities: BASE_CAPABILITIES });
}

/** The engines and their monitors (started when the app is ready, stopped after the workloads), and the console's own container. */
async function enginePlugin(app: FastifyInstance, options: EnginePluginOptions): Promise<void> {
  const { config } = app;
  const given = options.engines?.map((engine) => ({ engine }));
  const engines = new EngineSet(given ?? config.engines.map((e) => ({ engine: engineOf(e, config.instance, config.ssh), ...(e.kind === 'docker' && e.tlsDir ? { tlsDir: e.tlsDir } : {}) })), {
    deadlineMs: config.engineDeadlineMs,
    ...(config.swarmNodeEngine ? { swarmNodeEngines: { ...config.swarmNodeEngine, create: (e: Pick<DockerEngineConfig, 'name' | 'host' | 'tlsDir'>) => dockerEngine(e, config.ssh) } } : {}),
    log: app.log,
  });
  const self = options.consoleContainer ?? detectConsoleContainer();
  app.decorate('engines', engines);
  app.decorate('isConsole', (containerId: string) => isConsoleContainer(self, containerId));
  app.addHook('onReady', async () => engines.start());
  app.addHook('onClose', async () => engines.dispose());
}

export default fp(enginePlugin, { name: 'sonde-engine' });
