import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateMatrixRequest, MatrixCell, MatrixRun } from '@sonde/shared';
import { DEFAULT_POLICY } from '@sonde/shared';
import type { Caller } from './support/api-client.js';
import { TARGET_IMAGE, TEST_LABEL, docker, inNamespace, uniqueName, waitForNoContainers } from './support/docker-fixtures.js';
import { readEvents } from '../src/testing/server-sent-events.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * The connectivity matrix against the real engine: a network this file builds where one pair is
 * blocked by a firewall rule (new connections from alpha to gamma are dropped in gamma's
 * namespace), beta exposes a port nothing listens on, and delta is kept out by the policy. The
 * matrix must show exactly the blocked cells, with the right reasons. Everything is named
 * sonde-diagnosis-mx-… and removed at the end.
 */
const PREFIX = 'sonde-diagnosis-mx';
describe('connectivity matrix (real Docker)', () => {
  let sonde: TestConsole;
  let network: string;
  const made: string[] = [];
  const timings: Record<string, number> = {};
  const name: Record<'alpha' | 'beta' | 'gamma' | 'delta', string> = {} as never;
  const id: Record<string, string> = {};
  const ip: Record<string, string> = {};
  let operator: Caller;
  let otherOperator: Caller;
  let viewer: Caller;
  let blockRule: string[];

  async function member(role: keyof typeof name, args: string[] = []): Promise<void> {
    name[role] = uniqueName(`${PREFIX}-${role}`);
    id[role] = await docker('run', '-d', '--name', name[role], '--label', TEST_LABEL, '--network', network, ...args, TARGET_IMAGE);
    made.push(name[role]);
    ip[role] = await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name[role]);
  }

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_INSTANCE: uniqueName(`${PREFIX}-test`) });
    network = uniqueName(`${PREFIX}-net`);
    await docker('network', 'create', '--label', TEST_LABEL, network);
    await Promise.all([member('alpha'), member('beta', ['--expose', '8080']), member('gamma'), member('delta', ['--label', 'doctor.secret=yes'])]);
    // Gamma drops new connections from alpha only: its own connections to alpha still get their replies.
    blockRule = ['INPUT', '-s', ip.alpha!, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'];
    await inNamespace(PREFIX, name.gamma, 'iptables', '-I', ...blockRule);
    const caller = (tokenName: string, role: 'operator' | 'viewer') => sonde.caller({ token: sonde.app.identities.createToken(tokenName, role, 'test').secret });
    operator = caller('doctor-mx-operator', 'operator');
    otherOperator = caller('doctor-mx-other', 'operator');
    viewer = caller('doctor-mx-viewer', 'viewer');
    // Operators may not reach delta.
    sonde.app.policy.set({ ...DEFAULT_POLICY, operator: { ...DEFAULT_POLICY.operator, denyLabels: ['doctor.secret'] } });
  });

  afterAll(async () => {
    try {
      await sonde?.close();
    } finally {
      if (made.length) await docker('rm', '-f', ...made).catch(() => undefined);
      if (network) await docker('network', 'rm', network).catch(() => undefined);
    }
    console.log(`matrix run times (ms): ${JSON.stringify(timings)}`);
  });

  /**
   * A raw request, for what the client does not model (the export downloads) and for refusals
   * whose reply is compared whole; everything else goes through the client.
   */
  async function request(method: string, path: string, body?: object, who: Caller = operator): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
    const response = await fetch(`${sonde.baseUrl}${path}`, {
      method,
      headers: { ...who.auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, headers: response.headers, text };
  }

  async function until(runId: string, done: (run: MatrixRun) => boolean, who: Caller = operator, timeoutMs = 60_000): Promise<MatrixRun> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await who.client.matrix(runId);
      if (done(run)) return run;
      if (Date.now() > deadline) throw new Error(`matrix ${runId} not there yet: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const cell = (run: MatrixRun, from: keyof typeof name, to: keyof typeof name): MatrixCell => run.cells.find((c) => c.from === id[from] && c.to === id[to])!;
  let finishedRun: MatrixRun;

  it('shows exactly the blocked pair, with timeouts, and everything else open', async () => {
    const started = await operator.client.createMatrix({ network, checks: ['icmp', 'tcp', 'dns'] });
    expect(started).toMatchObject({ id: expect.stringMatching(/^[a-f0-9]{32}$/), state: 'running', engine: 'local', network: { name: network } });
    // Delta is kept out by the policy, with its reason; the three others are the members.
    expect(started.skipped).toEqual([{ id: id.delta, name: name.delta, reason: expect.stringContaining('doctor.secret') }]);
    expect(started.members.map((m) => m.name).sort()).toEqual([name.alpha, name.beta, name.gamma].sort());
    const run = await until(started.id, (r) => r.state === 'done');
    timings.threeMembers = run.elapsedMs!;
    finishedRun = run;
    expect(run.endReason).toBe('completed');
    expect(run.members.map((m) => [m.name, m.ipv4, m.ports, m.state])).toEqual(
      expect.arrayContaining([
        [name.alpha, ip.alpha, [80], 'ready'],
        [name.beta, ip.beta, [80, 8080], 'ready'],
        [name.gamma, ip.gamma, [80], 'ready'],
      ]),
    );
    expect(run.cells).toHaveLength(6);
    for (const c of run.cells) {
      expect(c.state).toBe('done');
      expect(c.dns, JSON.stringify(c)).toMatchObject({ ok: true });
    }
    // The blocked cell: no echo reply and port 80 filtered, both by timeout.
    const blocked = cell(run, 'alpha', 'gamma');
    expect(blocked.icmp).toMatchObject({ ok: false, reason: expect.stringMatching(/^timeout/) });
    expect(blocked.tcp).toEqual([{ port: 80, state: 'filtered', reason: 'timeout' }]);
    expect(blocked.dns).toEqual({ ok: true, addresses: [ip.gamma] });
    // Every other cell answers; beta's exposed 8080 is closed (refused), not filtered.
    for (const c of run.cells.filter((c) => c !== blocked)) {
      expect(c.icmp, JSON.stringify(c)).toMatchObject({ ok: true, ms: expect.any(Number) });
      const expected = c.to === id.beta ? [{ port: 80, state: 'open' }, { port: 8080, state: 'closed', reason: 'refused' }] : [{ port: 80, state: 'open' }];
      expect(c.tcp, JSON.stringify(c)).toEqual(expected);
    }
    // The other direction of the blocked pair is fine: the rule drops only what alpha starts.
    expect(cell(run, 'gamma', 'alpha').icmp?.ok).toBe(true);
    await waitForNoContainers([`sonde.matrix=${run.id}`], 10_000);
    const audit = await sonde.client.audit({ sessionId: run.id });
    expect(audit[0]).toMatchObject({ action: 'matrix-run', actorName: 'doctor-mx-operator', target: `network ${network}`, detail: { checks: ['icmp', 'tcp', 'dns'], skipped: [name.delta] } });
  });

  it('re-runs one cell: with the rule gone, the blocked pair answers', async () => {
    await inNamespace(PREFIX, name.gamma, 'iptables', '-D', ...blockRule);
    const before = cell(finishedRun, 'alpha', 'gamma').at!;
    // 202: the client's transport in these tests holds the reply to the status docs/api.md documents.
    const rerun = await operator.client.rerunMatrixCell(finishedRun.id, { from: id.alpha!, to: id.gamma! });
    expect(rerun).toMatchObject({ from: id.alpha, to: id.gamma, state: 'running' });
    const run = await until(finishedRun.id, (r) => cell(r, 'alpha', 'gamma').state === 'done' && cell(r, 'alpha', 'gamma').at !== before);
    expect(cell(run, 'alpha', 'gamma')).toMatchObject({ icmp: { ok: true }, tcp: [{ port: 80, state: 'open' }], dns: { ok: true } });
    await waitForNoContainers([`sonde.matrix=${finishedRun.id}`], 10_000);
    await inNamespace(PREFIX, name.gamma, 'iptables', '-I', ...blockRule);
    // Only cells of the matrix: a pair that is not one, or a member of another run, is refused.
    expect(await request('POST', `/api/matrix/${finishedRun.id}/cells`, { from: id.alpha, to: id.alpha })).toMatchObject({ status: 404, body: { error: { code: 'CELL_NOT_FOUND' } } });
    expect(await request('POST', `/api/matrix/${finishedRun.id}/cells`, { from: id.alpha, to: id.delta })).toMatchObject({ status: 404, body: { error: { code: 'CELL_NOT_FOUND' } } });
  });

  it('exports CSV and JSON', async () => {
    const csv = await request('GET', `/api/matrix/${finishedRun.id}/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="sonde-matrix-sonde-diagnosis-mx-net-[0-9a-f]+-[0-9a-f]{8}\.csv"$/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('from,to,state,icmp_ok,icmp_ms,icmp_reason,tcp,dns_ok,dns_addresses,dns_reason,reason,from_id,to_id,at');
    expect(lines).toHaveLength(7);
    const row = lines.find((l) => l.startsWith(`${name.alpha},${name.beta},`))!;
    expect(row).toContain('80:open; 8080:closed (refused)');
    const json = await request('GET', `/api/matrix/${finishedRun.id}/export?format=json`);
    expect(json.headers.get('content-disposition')).toContain('.json"');
    expect(json.body).toMatchObject({ id: finishedRun.id, cells: expect.any(Array) });
    expect(await request('GET', `/api/matrix/${finishedRun.id}/export?format=xml`)).toMatchObject({ status: 400 });
  });

  it('streams cells to the owner only', async () => {
    const seen: { owner: { event: string; data: any }[]; other: { event: string; data: any }[] } = { owner: [], other: [] };
    const controller = new AbortController();
    const streams = [readEvents(`${sonde.baseUrl}/api/events`, operator.auth, controller.signal, seen.owner), readEvents(`${sonde.baseUrl}/api/events`, otherOperator.auth, controller.signal, seen.other)];
    await new Promise((r) => setTimeout(r, 300));
    const started = await operator.client.createMatrix({ network, members: [name.alpha, name.beta], checks: ['icmp'] });
    const run = await until(started.id, (r) => r.state === 'done');
    timings.twoMembersIcmp = run.elapsedMs!;
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await Promise.all(streams);
    const mine = seen.owner.filter((e) => e.event === 'matrix' && e.data.id === run.id).map((e) => e.data);
    expect(mine.filter((e) => e.kind === 'cell' && e.cell.state === 'done')).toHaveLength(2);
    expect(mine.at(-1)).toMatchObject({ id: run.id, kind: 'state', state: 'done', endReason: 'completed' });
    expect(seen.other.filter((e) => e.event === 'matrix' && e.data.id === run.id)).toEqual([]);
    // Only the chosen members, and only ICMP.
    expect(run.cells.every((c) => c.icmp?.ok === true && c.tcp === undefined && c.dns === undefined)).toBe(true);
  });

  it('a member that stops ends its cells with the reason', async () => {
    const epsilon = uniqueName(`${PREFIX}-epsilon`);
    const epsilonId = await docker('run', '-d', '--name', epsilon, '--label', TEST_LABEL, '--network', network, TARGET_IMAGE);
    made.push(epsilon);
    // Everything new to epsilon is dropped, so probes to it wait for their timeouts while it is stopped.
    await inNamespace(PREFIX, epsilon, 'iptables', '-I', 'INPUT', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP');
    const started = await sonde.client.createMatrix({ network, members: [name.alpha, name.beta, epsilon], checks: ['icmp', 'tcp'] });
    await until(started.id, (r) => r.members.find((m) => m.id === epsilonId)?.state === 'ready', sonde);
    await docker('kill', epsilon);
    const run = await until(started.id, (r) => r.state === 'done', sonde);
    expect(run.members.find((m) => m.id === epsilonId)).toMatchObject({ state: 'stopped', reason: 'stopped during the run' });
    // Probes to it were waiting for their timeouts when it stopped; whichever had not ended then carry the reason.
    const toEpsilon = run.cells.filter((c) => c.to === epsilonId);
    expect(toEpsilon.length).toBe(2);
    for (const c of toEpsilon) {
      expect(c.state).toBe('done');
      if (c.reason === undefined) expect(c.icmp, JSON.stringify(c)).toMatchObject({ ok: false });
      else expect(c.reason).toBe(`${epsilon} stopped during the run`);
    }
    await waitForNoContainers([`sonde.matrix=${run.id}`], 10_000);
  });

  it('cancels on DELETE and removes its toolboxes', async () => {
    const started = await sonde.client.createMatrix({ network, checks: ['icmp', 'tcp', 'dns'] });
    await sonde.client.cancelMatrix(started.id);
    const run = await sonde.client.matrix(started.id);
    expect(run).toMatchObject({ state: 'done', endReason: 'cancelled' });
    expect(run.cells.every((c) => c.state === 'done')).toBe(true);
    expect(run.cells.some((c) => c.reason === 'the run was cancelled')).toBe(true);
    await waitForNoContainers([`sonde.matrix=${run.id}`], 10_000);
  });

  it("revoking its owner's token ends the matrix with the reason and removes its toolboxes", async () => {
    const owner = await sonde.newToken('operator', 'doctor-mx-revoked');
    // The blocked pair's TCP scan keeps the matrix going for seconds.
    const started = await owner.client.createMatrix({ network, members: [name.alpha, name.beta, name.gamma], checks: ['icmp', 'tcp'] });
    await sonde.client.revokeApiToken(owner.id);
    const run = await until(started.id, (r) => r.state === 'done', sonde);
    expect(run).toMatchObject({ endReason: 'access-revoked' });
    expect(run.cells.every((c) => c.state === 'done')).toBe(true);
    await waitForNoContainers([`sonde.matrix=${run.id}`], 10_000);
    expect(await request('GET', `/api/matrix/${run.id}`, undefined, owner)).toMatchObject({ status: 401 });
  });

  it('a policy that stops allowing one member ends the matrix with the reason and removes its toolboxes', async () => {
    const policy = { ...DEFAULT_POLICY, operator: { ...DEFAULT_POLICY.operator, denyLabels: ['doctor.secret'] } };
    const started = await operator.client.createMatrix({ network, members: [name.alpha, name.beta, name.gamma], checks: ['icmp', 'tcp'] });
    sonde.app.policy.set({ ...policy, operator: { ...policy.operator, namePatterns: [name.alpha, name.gamma] } });
    try {
      const run = await until(started.id, (r) => r.state === 'done');
      expect(run).toMatchObject({ endReason: 'policy', endDetail: expect.stringContaining(name.alpha) });
      await waitForNoContainers([`sonde.matrix=${run.id}`], 10_000);
    } finally {
      sonde.app.policy.set(policy);
    }
  });

  it('refuses what it must: viewers, other owners, unknown engines, networks and members, too few members', async () => {
    const body: CreateMatrixRequest = { network, checks: ['icmp'] };
    await expect(viewer.client.createMatrix(body)).rejects.toMatchObject({ status: 403, code: 'ROLE_REQUIRED' });
    for (const [method, path, payload] of [
      ['GET', `/api/matrix/${finishedRun.id}`],
      ['DELETE', `/api/matrix/${finishedRun.id}`],
      ['GET', `/api/matrix/${finishedRun.id}/export?format=csv`],
      ['POST', `/api/matrix/${finishedRun.id}/cells`, { from: id.alpha, to: id.beta }],
    ] as [string, string, object?][]) {
      // Another operator's matrix does not exist for them.
      expect(await request(method, path, payload, otherOperator), `${method} ${path}`).toMatchObject({ status: 404, body: { error: { code: 'MATRIX_NOT_FOUND' } } });
    }
    expect((await otherOperator.client.matrices()).map((r) => r.id)).not.toContain(finishedRun.id);
    expect((await sonde.client.matrices()).map((r) => r.id)).toContain(finishedRun.id);
    await expect(operator.client.matrix('0'.repeat(32))).rejects.toMatchObject({ status: 404, code: 'MATRIX_NOT_FOUND' });
    await expect(operator.client.createMatrix({ ...body, engine: 'elsewhere' })).rejects.toMatchObject({ status: 404, code: 'ENGINE_NOT_FOUND' });
    expect(await operator.client.createMatrix({ ...body, engine: 'local' })).toMatchObject({ engine: 'local', state: 'running' });
    await expect(operator.client.createMatrix({ network: 'sonde-diagnosis-no-such-net', checks: ['icmp'] })).rejects.toMatchObject({ status: 404, code: 'TARGET_NOT_FOUND' });
    await expect(operator.client.createMatrix({ ...body, members: [name.alpha, 'sonde-diagnosis-not-a-member'] })).rejects.toMatchObject({ status: 404, code: 'TARGET_NOT_FOUND', message: expect.stringContaining('body.members.1') });
    // Alpha plus delta, which the policy refuses: one member is no matrix.
    await expect(operator.client.createMatrix({ ...body, members: [name.alpha, name.delta] })).rejects.toMatchObject({ status: 409, code: 'MATRIX_TOO_SMALL', message: expect.stringContaining(name.delta) });
    for (const bad of [{ network, checks: [] }, { network, checks: ['icmp', 'icmp'] }, { network, checks: ['udp'] }, { network: '-x', checks: ['icmp'] }, { network, checks: ['icmp'], extra: 1 }]) {
      expect(await request('POST', '/api/matrix', bad), JSON.stringify(bad)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    }
  });
});
