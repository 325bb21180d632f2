import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Database } from '../store/database.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The embedded database (SONDE_DATA_DIR/sonde.db); closed last, after everything that writes to it. */
    db: Database;
  }
}

/** Opens the console's database; every store creates its own tables in it. */
async function storePlugin(app: FastifyInstance, options: { dataDir: string }): Promise<void> {
  const db = openDatabase(options.dataDir);
  app.decorate('db', db);
  app.addHook('onClose', async () => db.close());
}

export default fp(storePlugin, { name: 'sonde-store' });
