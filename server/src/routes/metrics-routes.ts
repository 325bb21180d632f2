import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/**
 * GET /metrics: the Prometheus text exposition (docs/api.md, "Metrics"). Outside /api, where
 * scrapers look by default. It needs a principal with the viewer role or more (an API token for
 * a scraper), unless SONDE_METRICS_PUBLIC=1 opens it: counts, durations and engine names, never
 * an id, a name of a target or a credential.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { metrics, config } = app;

  app.get(
    '/metrics',
    {
      config: { access: config.metricsPublic ? 'public' : 'viewer' },
      schema: {
        summary: 'Prometheus metrics',
        tags: ['metrics'],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    },
  );
};
