import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateDoctorRequest,
  CreateMatrixRequest,
  DiagnosisParams,
  DoctorRun,
  DoctorRunList,
  ErrorBody,
  ErrorCode,
  MatrixCell,
  MatrixExportQuery,
  MatrixRun,
  MatrixRunList,
  RerunCellRequest,
  describeTarget,
} from '@sonde/shared';
import { ownsOrAdmin, type OwnedObject } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { matrixCsv } from '../diagnosis/matrix-export.js';
import { ApiError } from '../http/api-error.js';

/**
 * The network doctor and the connectivity matrix (docs/api.md, "Network doctor" and
 * "Connectivity matrix"). Both are workloads: admitted like runs, checked by the policy (a
 * matrix checks every member), ended with their owner's access. A run belongs to whoever started
 * it: only they and admins list, read, cancel or export it; to anyone else it does not exist
 * (404). Progress goes out on GET /api/events (`doctor`, `matrix`), to the same people.
 */
export const diagnosisRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { doctors, matrices, policy, audit } = app;

  function owned<T extends OwnedObject>(principal: Principal, run: T | undefined, error: ApiError): T {
    if (!run || !ownsOrAdmin(principal, run)) throw error;
    return run;
  }
  const noDoctor = (id: string) => new ApiError(404, ErrorCode.DoctorNotFound, `There is no doctor run ${id}.`);
  const noMatrix = (id: string) => new ApiError(404, ErrorCode.MatrixNotFound, `There is no matrix ${id}.`);

  app.post(
    '/api/doctor',
    { config: { access: 'operator' }, schema: { body: CreateDoctorRequest, response: { 201: DoctorRun, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const run = await doctors.start(request.body, principal, (target, context) => policy.check(principal.role, target, context));
      const info = run.info();
      audit.record({
        actor: principal,
        action: 'doctor-run',
        sessionId: run.id,
        target: describeTarget(run.target),
        detail: { names: request.body.names ?? [], ...(info.peer ? { peer: info.peer.containerName } : {}) },
      });
      return reply.code(201).send(info);
    },
  );

  app.get('/api/doctor', { config: { access: 'operator' }, schema: { response: { 200: DoctorRunList } } }, async (request) => {
    const principal = principalOf(request);
    return doctors
      .list()
      .filter((r) => ownsOrAdmin(principal, r))
      .map((r) => r.info());
  });

  app.get('/api/doctor/:id', { config: { access: 'operator' }, schema: { params: DiagnosisParams, response: { 200: DoctorRun, '4xx': ErrorBody } } }, async (request) => {
    const { id } = request.params;
    return owned(principalOf(request), doctors.get(id), noDoctor(id)).info();
  });

  app.delete('/api/doctor/:id', { config: { access: 'operator' }, schema: { params: DiagnosisParams } }, async (request, reply) => {
    const { id } = request.params;
    owned(principalOf(request), doctors.get(id), noDoctor(id));
    await doctors.end(id);
    return reply.code(204).send();
  });

  app.post(
    '/api/matrix',
    { config: { access: 'operator' }, schema: { body: CreateMatrixRequest, response: { 201: MatrixRun, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const run = await matrices.start(request.body, principal, (target, context) => policy.check(principal.role, target, context));
      const info = run.info();
      audit.record({
        actor: principal,
        action: 'matrix-run',
        sessionId: run.id,
        target: describeTarget(run.target),
        detail: { checks: info.checks, members: info.members.map((m) => m.name), skipped: info.skipped.map((s) => s.name) },
      });
      return reply.code(201).send(info);
    },
  );

  app.get('/api/matrix', { config: { access: 'operator' }, schema: { response: { 200: MatrixRunList } } }, async (request) => {
    const principal = principalOf(request);
    return matrices
      .list()
      .filter((r) => ownsOrAdmin(principal, r))
      .map((r) => r.info());
  });

  app.get('/api/matrix/:id', { config: { access: 'operator' }, schema: { params: DiagnosisParams, response: { 200: MatrixRun, '4xx': ErrorBody } } }, async (request) => {
    const { id } = request.params;
    return owned(principalOf(request), matrices.get(id), noMatrix(id)).info();
  });

  app.delete('/api/matrix/:id', { config: { access: 'operator' }, schema: { params: DiagnosisParams } }, async (request, reply) => {
    const { id } = request.params;
    owned(principalOf(request), matrices.get(id), noMatrix(id));
    await matrices.end(id);
    return reply.code(204).send();
  });

  app.post(
    '/api/matrix/:id/cells',
    { config: { access: 'operator' }, schema: { params: DiagnosisParams, body: RerunCellRequest, response: { 202: MatrixCell, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const run = owned(principal, matrices.get(id), noMatrix(id));
      const cell = await matrices.rerun(run, request.body.from, request.body.to, principal, (target, context) => policy.check(principal.role, target, context));
      audit.record({
        actor: principal,
        action: 'matrix-run',
        sessionId: run.id,
        target: describeTarget(run.target),
        detail: { rerun: { from: run.member(cell.from)?.name, to: run.member(cell.to)?.name } },
      });
      return reply.code(202).send(cell);
    },
  );

  app.get(
    '/api/matrix/:id/export',
    { config: { access: 'operator' }, schema: { params: DiagnosisParams, querystring: MatrixExportQuery } },
    async (request, reply) => {
      const { id } = request.params;
      const info = owned(principalOf(request), matrices.get(id), noMatrix(id)).info();
      const name = `sonde-matrix-${info.network.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${id.slice(0, 8)}`;
      reply.header('cache-control', 'no-store');
      if (request.query.format === 'csv') {
        return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(matrixCsv(info));
      }
      return reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="${name}.json"`).send(JSON.stringify(info, null, 2));
    },
  );
};
