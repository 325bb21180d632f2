import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { EngineMonitor } from '../engine/engine-monitor.js';
import type { ContainerEngine } from '../engine/types.js';
import { detectConsoleContainer, isConsoleContainer, type ConsoleContainer } from '../policy/console-container.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The container engine (the Docker seam). */
    engine: ContainerEngine;
    /** Its reachability and its event feed, kept alive with retries. */
    monitor: EngineMonitor;
    /** Whether a container id is the console's own (found by id at start, not by label). */
    isConsole: (containerId: string) => boolean;
  }
}

export interface EnginePluginOptions {
  engine: ContainerEngine;
  /** The console's own container; detected from /proc when not given. */
  consoleContainer?: ConsoleContainer;
}

/** The engine, its monitor (started when the app is ready, stopped last but the database), and the console's own container. */
async function enginePlugin(app: FastifyInstance, options: EnginePluginOptions): Promise<void> {
  const monitor = new EngineMonitor(options.engine);
  const self = options.consoleContainer ?? detectConsoleContainer();
  app.decorate('engine', options.engine);
  app.decorate('monitor', monitor);
  app.decorate('isConsole', (containerId: string) => isConsoleContainer(self, containerId));
  app.addHook('onReady', async () => monitor.start());
  app.addHook('onClose', async () => monitor.dispose());
}

export default fp(enginePlugin, { name: 'sonde-engine' });
