import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ToolboxImages } from '../toolboxes/toolbox-images.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The toolbox image on each Docker engine: checked when the engine is reachable, pulled when missing. */
    toolboxImages: ToolboxImages;
  }
}

export interface ToolboxImagesPluginOptions {
  /** Where the pull's progress lines go: the operator's terminal (stdout) unless given. */
  print?: (line: string) => void;
}

/** Checks (and pulls) the toolbox image on each Docker engine as it becomes reachable; stops following pulls at close. */
async function toolboxImagesPlugin(app: FastifyInstance, options: ToolboxImagesPluginOptions): Promise<void> {
  const { config, engines } = app;
  const images = new ToolboxImages({
    engines,
    image: config.toolboxImage,
    pull: config.toolboxPull,
    print: options.print ?? ((line) => process.stdout.write(`[sonde] ${line}\n`)),
    log: app.log,
  });
  app.decorate('toolboxImages', images);
  app.addHook('onClose', async () => images.dispose());
}

export default fp(toolboxImagesPlugin, { name: 'sonde-toolbox-images', dependencies: ['sonde-engine'] });
