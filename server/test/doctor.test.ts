import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateDoctorRequest, DoctorRun, Finding } from '@sonde/shared';
import { DEFAULT_POLICY } from '@sonde/shared';
import type { Caller } from './support/api-client.js';
import { TARGET_IMAGE, TEST_LABEL, containersWithLabels, docker, inNamespace, uniqueName, waitForNoContainers } from './support/docker-fixtures.js';
import { readEvents } from '../src/testing/server-sent-events.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * The network doctor against the real engine, on containers this file breaks on purpose: each
 * broken one must get its finding with the right code and evidence, the healthy one nothing but
 * "healthy". Every container and network is named sonde-diagnosis-doctor-… and removed at the
 * end; traffic only goes to the test network (the dead nameserver is an unused address of its
 * own subnet).
 */
const PREFIX = 'sonde-diagnosis-doctor';
describe('network doctor (real Docker)', () => {
  let sonde: TestConsole;
  let network: string;
  const made: string[] = [];
  const timings: Record<string, number> = {};
  const fixture: Record<'peer' | 'healthy' | 'dns' | 'firewall' | 'ports' | 'mtu' | 'route', string> = {} as never;
  let deadResolver = '';
  let operator: Caller;
  let viewer: Caller;

  async function container(role: keyof typeof fixture, args: string[] = [], command: string[] = []): Promise<void> {
    const name = uniqueName(`${PREFIX}-${role}`);
    await docker('run', '-d', '--name', name, '--label', TEST_LABEL, '--network', network, ...args, TARGET_IMAGE, ...command);
    made.push(name);
    fixture[role] = name;
  }

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_INSTANCE: uniqueName(`${PREFIX}-test`) });
    network = uniqueName(`${PREFIX}-net`);
    await docker('network', 'create', '--label', TEST_LABEL, network);
    await Promise.all([
      container('peer'),
      container('healthy', ['-p', '127.0.0.1::80']),
      container('dns'),
      container('firewall', ['-p', '127.0.0.1::80']),
      container('ports', ['-p', '127.0.0.1::8080', '-p', '127.0.0.1::8081'], ['sh', '-c', 'httpd -p 80 -h /var/www; exec httpd -f -p 127.0.0.1:8081 -h /var/www']),
      container('mtu'),
      container('route'),
    ]);
    // An address of the test network's own subnet that no container has: queries to it go nowhere.
    const subnet = await docker('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', network);
    const [base] = subnet.split('/');
    deadResolver = base!.replace(/\.\d+$/, '.201');
    await Promise.all([
      docker('exec', fixture.dns, 'sh', '-c', `printf 'nameserver ${deadResolver}\\noptions ndots:0\\n' > /etc/resolv.conf`),
      inNamespace(PREFIX, fixture.firewall, 'iptables', '-I', 'INPUT', '-p', 'tcp', '--dport', '80', '-j', 'DROP'),
      inNamespace(PREFIX, fixture.mtu, 'ip', 'link', 'set', 'dev', 'eth0', 'mtu', '9000'),
      inNamespace(PREFIX, fixture.route, 'ip', 'route', 'del', 'default'),
    ]);
    // A connection attempt the DROP rule swallows, so its counters are not zero.
    const firewallIp = await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, fixture.firewall);
    await docker('exec', fixture.peer, 'nc', '-w', '1', firewallIp, '80').catch(() => undefined);
    operator = sonde.caller({ token: sonde.app.identities.createToken('doctor-operator', 'operator', 'test').secret });
    viewer = sonde.caller({ token: sonde.app.identities.createToken('doctor-viewer', 'viewer', 'test').secret });
  });

  afterAll(async () => {
    try {
      await sonde?.close();
    } finally {
      if (made.length) await docker('rm', '-f', ...made).catch(() => undefined);
      if (network) await docker('network', 'rm', network).catch(() => undefined);
    }
    // The run times on each fixture, for the notes (docs/benchmarks.md).
    console.log(`doctor run times (ms): ${JSON.stringify(timings)}`);
  });

  /** The run once done (the client checks every read against the DoctorRun schema). */
  async function finished(id: string, who: Caller = sonde): Promise<DoctorRun> {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const run = await who.client.doctorRun(id);
      if (run.state === 'done') return run;
      if (Date.now() > deadline) throw new Error(`doctor ${id} still running: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function diagnose(role: keyof typeof fixture, extra: Omit<CreateDoctorRequest, 'target'> = {}): Promise<DoctorRun> {
    const started = await sonde.client.createDoctorRun({ target: { kind: 'container', container: fixture[role] }, ...extra });
    expect(started).toMatchObject({ id: expect.stringMatching(/^[a-f0-9]{32}$/), state: 'running' });
    const run = await finished(started.id);
    expect(run.endReason, JSON.stringify(run)).toBe('completed');
    timings[role] = run.elapsedMs!;
    return run;
  }

  const codes = (run: DoctorRun) => run.findings.map((f) => f.code).sort();
  const check = (run: DoctorRun, id: string) => run.checks.find((c) => c.id === id)!;
  const only = (run: DoctorRun, code: string): Finding => {
    const matching = run.findings.filter((f) => f.code === code);
    expect(matching, JSON.stringify(run.findings)).toHaveLength(1);
    return matching[0]!;
  };

  it('a healthy container: only "healthy", every check passed, within 15 s', async () => {
    const run = await diagnose('healthy');
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['healthy']);
    const healthy = only(run, 'healthy');
    expect(healthy.severity).toBe('info');
    expect(check(run, 'peer')).toMatchObject({ state: 'skipped' });
    for (const id of ['dns-resolvers', 'dns-names', 'default-route', 'gateway', 'mtu', 'published-ports', 'firewall', 'neighbours']) {
      expect(check(run, id).state, JSON.stringify(check(run, id))).toBe('passed');
      expect(healthy.detail).toContain(check(run, id).title);
    }
    // Its network's members resolve: the names check looked at them.
    expect(check(run, 'dns-names').note).toMatch(/^(\d+) of \1 names resolve$/);
    expect(run.elapsedMs).toBeLessThan(15_000);
    // The toolbox is gone once the run is done.
    expect(await containersWithLabels(`sonde.doctor=${run.id}`)).toEqual([]);
  });

  it('a resolv.conf pointing where nothing answers: dns-resolver-unreachable, with the dig and the timing', async () => {
    const run = await diagnose('dns');
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['dns-resolver-unreachable']);
    const finding = only(run, 'dns-resolver-unreachable');
    expect(finding).toMatchObject({ severity: 'error', title: `Nameserver ${deadResolver} does not answer` });
    expect(finding.detail).toMatch(/timed out after [\d.]+ s \(limit 2 s\)/);
    expect(finding.evidence[0]!.command).toBe(`dig @${deadResolver} +time=2 +tries=1 ${fixture.dns} A`);
    expect(finding.evidence[0]!.output).toContain('no servers could be reached');
    expect(finding.evidence[1]!.command).toMatch(/^grep -H -s '' \/etc\/resolv.conf /);
    expect(finding.evidence[1]!.output).toBe(`/etc/resolv.conf:nameserver ${deadResolver}\n/etc/resolv.conf:options ndots:0`);
    // The doctor's own query left an unresolved ARP entry: part of this finding, not a second one.
    expect(finding.detail).toContain('nothing on the link answers ARP for it');
    expect(finding.fix).toMatch(/--dns/);
    expect(check(run, 'dns-names')).toMatchObject({ state: 'skipped' });
  });

  it('names the request asks for that do not resolve: dns-name-not-resolving with the resolver answer', async () => {
    const run = await diagnose('healthy', { names: [fixture.peer, 'sonde-diagnosis-no-such-name'] });
    expect(codes(run)).toEqual(['dns-name-not-resolving']);
    const finding = only(run, 'dns-name-not-resolving');
    expect(finding.title).toBe('"sonde-diagnosis-no-such-name" does not resolve');
    expect(finding.detail).toContain('asked for in the request');
    expect(finding.detail).toContain('NXDOMAIN');
    expect(finding.evidence[0]!.output).toContain('status: NXDOMAIN');
  });

  it('an iptables DROP on the published port: firewall-drops with the rule and its counters', async () => {
    const run = await diagnose('firewall');
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['firewall-drops']);
    const finding = only(run, 'firewall-drops');
    expect(finding).toMatchObject({ severity: 'error', title: 'The firewall drops connections to 80/tcp' });
    expect(finding.detail).toContain('"-A INPUT -p tcp -m tcp --dport 80 -j DROP" in iptables table filter, chain INPUT');
    expect(finding.detail).toMatch(/it has matched [1-9]\d* packets \(\d+ bytes\)/);
    expect(finding.detail).toContain('published on the host at 127.0.0.1:');
    expect(finding.evidence.map((e) => e.command), JSON.stringify(finding, null, 1)).toEqual(['iptables-save -c']);
    expect(finding.evidence[0]!.output).toContain('-A INPUT -p tcp -m tcp --dport 80 -j DROP');
  });

  it('published ports nothing listens on, or only loopback does: published-port-not-listening twice', async () => {
    const run = await diagnose('ports');
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['published-port-not-listening', 'published-port-not-listening']);
    const titles = run.findings.map((f) => f.title).sort();
    expect(titles).toEqual(['8081/tcp listens only on loopback', 'Nothing listens on 8080/tcp']);
    const loopback = run.findings.find((f) => f.title.includes('8081'))!;
    expect(loopback.detail).toContain('127.0.0.1');
    expect(loopback.evidence[0]!.output).toContain('127.0.0.1:8081');
    expect(run.findings.find((f) => f.title.includes('8080'))!.evidence[0]!.command).toBe('ss -ltun');
  });

  it('an MTU raised above the network: mtu-mismatch with the DF pings', async () => {
    const run = await diagnose('mtu');
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['mtu-mismatch']);
    const finding = only(run, 'mtu-mismatch');
    expect(finding).toMatchObject({ severity: 'error', title: 'eth0 has MTU 9000, more than the path to its gateway carries' });
    expect(finding.detail).toContain('while 1500 bytes did');
    expect(finding.evidence[0]!.command).toMatch(/^ping -n -M do -s 8972 -c 2 -i 0\.2 -W 1 -w 2 \d+\.\d+\.\d+\.1$/);
    expect(finding.evidence[0]!.output).toContain('100% packet loss');
    expect(finding.evidence[1]!.command).toContain('-s 1472');
    expect(finding.fix).toContain('mtu 1500');
  });

  it('a deleted default route: no-default-route, and no gateway or MTU probe', async () => {
    const run = await diagnose('route');
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['no-default-route']);
    const finding = only(run, 'no-default-route');
    expect(finding.detail).toMatch(/eth0 \(\d+\.\d+\.\d+\.\d+\) but no default route/);
    expect(finding.evidence.map((e) => e.command)).toEqual(['ip -j route show table main', 'ip -j addr show']);
    expect(check(run, 'gateway')).toMatchObject({ state: 'skipped' });
    expect(check(run, 'mtu')).toMatchObject({ state: 'skipped' });
  });

  it('a network target: a fresh endpoint on it resolves every member, no ports to check', async () => {
    const started = await sonde.client.createDoctorRun({ target: { kind: 'network', network } });
    const run = await finished(started.id);
    timings.network = run.elapsedMs!;
    expect(run.target).toMatchObject({ kind: 'network', networkName: network });
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['healthy']);
    expect(check(run, 'dns-names').note).toBe(`${made.length} of ${made.length} names resolve`);
    expect(check(run, 'published-ports')).toMatchObject({ state: 'skipped', note: 'network targets publish no ports' });
  });

  it('streams checks and findings to the owner only, audits the run, and cancels on DELETE', async () => {
    const events: { event: string; data: any }[] = [];
    const otherEvents: { event: string; data: any }[] = [];
    const controller = new AbortController();
    const streams = [readEvents(`${sonde.baseUrl}/api/events`, operator.auth, controller.signal, events), readEvents(`${sonde.baseUrl}/api/events`, viewer.auth, controller.signal, otherEvents)];
    await new Promise((r) => setTimeout(r, 300));
    // The operator's run: the dead resolver keeps it going for two seconds, long enough to cancel.
    const { id } = await operator.client.createDoctorRun({ target: { kind: 'container', container: fixture.dns } });
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.event === 'doctor' && e.data.id === id && e.data.kind === 'check' && e.data.check.state !== 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await operator.client.cancelDoctorRun(id);
    const run = await operator.client.doctorRun(id);
    expect(run).toMatchObject({ state: 'done', endReason: 'cancelled' });
    expect(run.findings.some((f) => f.code === 'healthy')).toBe(false);
    await waitForNoContainers([`sonde.doctor=${id}`], 10_000);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await Promise.all(streams);
    const mine = events.filter((e) => e.event === 'doctor' && e.data.id === id);
    expect(mine.some((e) => e.data.kind === 'check')).toBe(true);
    expect(mine.at(-1)!.data).toMatchObject({ kind: 'state', state: 'done', endReason: 'cancelled' });
    // Another principal's stream carries nothing of it.
    expect(otherEvents.filter((e) => e.event === 'doctor')).toEqual([]);
    const audit = await sonde.client.audit({ sessionId: id });
    expect(audit).toEqual([expect.objectContaining({ action: 'doctor-run', actorName: 'doctor-operator', target: `container ${fixture.dns}` })]);
  });

  it('a peer behind a DROP rule: peer-unreachable from its neighbour, with port 80 filtered and the nmap evidence', async () => {
    const run = await diagnose('peer', { peer: { container: fixture.firewall } });
    expect(codes(run), JSON.stringify(run.findings, null, 1)).toEqual(['peer-unreachable']);
    const finding = only(run, 'peer-unreachable');
    const firewallIp = await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, fixture.firewall);
    expect(finding).toMatchObject({ severity: 'error', title: `The target cannot reach ${fixture.firewall} (${firewallIp})` });
    expect(finding.detail).toContain('TCP 80: filtered (timeout)');
    // Ping and the name are fine: only the port is blocked.
    expect(finding.detail).not.toContain('ping:');
    expect(finding.evidence.map((e) => e.command)).toEqual([`nmap -n -Pn -sT --reason --max-retries 1 --host-timeout 20s -p 80 ${firewallIp}`]);
    expect(finding.evidence[0]!.output).toMatch(/80\/tcp\s+filtered/);
    expect(finding.fix).toContain(`run the doctor on ${fixture.firewall}`);
    expect(run.peer).toMatchObject({ containerName: fixture.firewall, ipv4: firewallIp, ports: [80] });
    timings.peer = run.elapsedMs!;
  });

  it('a policy that stops allowing the target ends the run with the reason and removes its toolbox', async () => {
    // The dead resolver keeps this run going for seconds.
    const { id } = await operator.client.createDoctorRun({ target: { kind: 'container', container: fixture.dns } });
    sonde.app.policy.set({ ...DEFAULT_POLICY, operator: { ...DEFAULT_POLICY.operator, namePatterns: [`${PREFIX}-peer-*`] } });
    try {
      const run = await finished(id, operator);
      expect(run).toMatchObject({ state: 'done', endReason: 'policy', endDetail: expect.stringContaining(`${PREFIX}-peer-*`) });
      expect(run.findings.some((f) => f.code === 'healthy')).toBe(false);
      expect(await containersWithLabels(`sonde.doctor=${id}`)).toEqual([]);
    } finally {
      sonde.app.policy.set(DEFAULT_POLICY);
    }
  });

  it("revoking its owner's token ends the run with the reason and removes its toolbox; the token reads nothing more", async () => {
    const owner = await sonde.newToken('operator', 'doctor-revoked');
    // The dead resolver keeps this run going for seconds.
    const { id } = await owner.client.createDoctorRun({ target: { kind: 'container', container: fixture.dns } });
    await sonde.client.revokeApiToken(owner.id);
    const run = await finished(id);
    expect(run).toMatchObject({ state: 'done', endReason: 'access-revoked' });
    expect(run.findings.some((f) => f.code === 'healthy')).toBe(false);
    expect(await containersWithLabels(`sonde.doctor=${id}`)).toEqual([]);
    await expect(owner.client.doctorRun(id)).rejects.toMatchObject({ status: 401 });
  });

  it("a console shutting down ends its doctor runs and removes their toolboxes; one user's cap holds meanwhile", async () => {
    const second = await startConsole({ SONDE_INSTANCE: uniqueName(`${PREFIX}-test`), SONDE_MAX_DIAGNOSES_PER_USER: '1' });
    const post = (container: string) => second.client.createDoctorRun({ target: { kind: 'container', container } });
    // The dead resolver keeps this run going for seconds.
    const { id } = await post(fixture.dns);
    await expect(post(fixture.healthy)).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_DIAGNOSES', message: expect.stringContaining('SONDE_MAX_DIAGNOSES_PER_USER') });
    expect(await containersWithLabels(`sonde.doctor=${id}`)).toHaveLength(1);
    await second.close();
    expect(await containersWithLabels(`sonde.instance=${second.config.instance}`)).toEqual([]);
  });

  it('refuses what it must: viewers, other owners, the host for operators, the policy, bad names', async () => {
    const mineRun = await diagnose('healthy');
    await expect(viewer.client.createDoctorRun({ target: { kind: 'container', container: fixture.healthy } })).rejects.toMatchObject({ status: 403, code: 'ROLE_REQUIRED' });
    // The admin's run does not exist for the operator: not to read, stop or list.
    await expect(operator.client.doctorRun(mineRun.id)).rejects.toMatchObject({ status: 404, code: 'DOCTOR_NOT_FOUND' });
    await expect(operator.client.cancelDoctorRun(mineRun.id)).rejects.toMatchObject({ status: 404, code: 'DOCTOR_NOT_FOUND' });
    expect((await operator.client.doctorRuns()).map((r) => r.id)).not.toContain(mineRun.id);
    expect((await sonde.client.doctorRuns()).map((r) => r.id)).toContain(mineRun.id);
    await expect(sonde.client.doctorRun('0'.repeat(32))).rejects.toMatchObject({ status: 404, code: 'DOCTOR_NOT_FOUND' });
    // The default policy keeps operators out of the host's namespace.
    await expect(operator.client.createDoctorRun({ target: { kind: 'host' } })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    // Pods and Kubernetes nodes are not doctored (yet): said so, nothing started.
    for (const target of [{ kind: 'pod', namespace: 'default', pod: 'web-0' }, { kind: 'node', node: 'worker-1' }] as const) {
      await expect(sonde.client.createDoctorRun({ target })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('not supported yet') });
    }
    sonde.app.policy.set({ ...DEFAULT_POLICY, operator: { ...DEFAULT_POLICY.operator, namePatterns: [`${PREFIX}-peer-*`] } });
    try {
      await expect(operator.client.createDoctorRun({ target: { kind: 'container', container: fixture.healthy } })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      // An allowed target toward a peer the policy refuses: refused too, the peer named as the reason.
      await expect(operator.client.createDoctorRun({ target: { kind: 'container', container: fixture.peer }, peer: { container: fixture.healthy } })).rejects.toMatchObject({
        status: 403,
        code: 'TARGET_NOT_ALLOWED',
        message: expect.stringMatching(/^body\.peer: /),
      });
    } finally {
      sonde.app.policy.set(DEFAULT_POLICY);
    }
    for (const names of [['-oProxyCommand=x'], ['a;b'], ['10.0.0.1'], ['x'.repeat(254)]]) {
      await expect(sonde.client.createDoctorRun({ target: { kind: 'container', container: fixture.healthy }, names }), JSON.stringify(names)).rejects.toMatchObject({
        status: 400,
        code: 'INVALID_REQUEST',
        message: expect.stringMatching(/body\.names/),
      });
    }
    await expect(sonde.client.createDoctorRun({ target: { kind: 'container', container: 'sonde-diagnosis-nothing-here' } })).rejects.toMatchObject({ status: 404, code: 'TARGET_NOT_FOUND' });
    await expect(sonde.client.createDoctorRun({ target: { kind: 'container', container: fixture.healthy }, peer: { container: 'sonde-diagnosis-nothing-here' } })).rejects.toMatchObject({
      status: 404,
      code: 'TARGET_NOT_FOUND',
      message: expect.stringMatching(/^body\.peer: /),
    });
    await expect(sonde.client.createDoctorRun({ target: { kind: 'host' }, peer: { container: fixture.peer } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(sonde.client.createDoctorRun({ target: { kind: 'container', container: fixture.healthy, engine: 'elsewhere' } })).rejects.toMatchObject({ status: 404, code: 'ENGINE_NOT_FOUND' });
    // Nothing of this console's doctors is left behind.
    await waitForNoContainers([`sonde.instance=${sonde.config.instance}`, 'sonde.doctor'], 10_000);
  });
});
