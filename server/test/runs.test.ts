import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateRunRequest, RunInfo, TargetRequest } from '@sonde/shared';
import { readUntil, refusal } from './support/api-client.js';
import { DockerFixtures, containersWithLabels } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

/**
 * Tool runs against the real engine: each tool family does what the issue promises against
 * containers and networks this file creates (the only addresses it sends traffic to).
 */
describe('tool runs (real Docker)', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let network: string;
  let web: { id: string; name: string };
  let api: { id: string; name: string };
  let webIp: string;
  let apiIp: string;

  beforeAll(async () => {
    sonde = await startConsole();
    network = await fixtures.network();
    web = await fixtures.container({ network });
    api = await fixtures.container({ network, alias: 'payments-api' });
    webIp = await fixtures.ipv4(web.id, network);
    apiIp = await fixtures.ipv4(api.id, network);
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  const start = (request: CreateRunRequest): Promise<RunInfo> => sonde.client.createRun(request);
  const get = (id: string): Promise<RunInfo> => sonde.client.run(id);

  const finished = (id: string, timeoutMs = 40_000): Promise<RunInfo> =>
    readUntil(() => get(id), (run) => run.state === 'exited', { what: `run ${id} to exit`, timeoutMs });

  /** Starts a run, follows its output over the terminal socket to the end, returns both. */
  async function runToEnd(request: CreateRunRequest): Promise<{ run: RunInfo; output: string; term: TerminalClient }> {
    const started = await start(request);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${started.ttyPath}`, sonde.auth);
    await term.waitClosed(60_000);
    return { run: await finished(started.id), output: term.text(), term };
  }

  const onNetwork = (): TargetRequest => ({ kind: 'network', network });
  const inWeb = (sharePid = false): TargetRequest => ({ kind: 'container', container: web.name, ...(sharePid ? { sharePid } : {}) });

  it('lists the catalog with typed parameters', async () => {
    const tools = await sonde.client.tools();
    const ping = tools.find((t) => t.id === 'ping');
    expect(ping).toMatchObject({ title: 'Ping', category: 'reachability', capabilities: ['NET_RAW'], resultKind: 'ping' });
    expect(ping?.params[0]).toMatchObject({ name: 'host', type: 'host', required: true });
    expect(ping?.params.find((p) => p.name === 'count')).toMatchObject({ type: 'count', default: 4, min: 1, max: 100 });
    expect(tools.find((t) => t.id === 'iperf3')?.peer).toEqual({ param: 'server', role: 'iperf3 server' });
    const unauthenticated = await fetch(`${sonde.baseUrl}/api/tools`);
    expect(unauthenticated.status).toBe(401);
  });

  it('pings a test container by name from a toolbox on its network, streaming the output', async () => {
    const { run, output, term } = await runToEnd({ tool: 'ping', target: onNetwork(), params: { host: web.name, count: 3 } });
    expect(term.controls[0]).toMatchObject({ type: 'hello', session: run.id });
    expect(term.controls.at(-1)).toMatchObject({ type: 'exit', code: 0, reason: 'the tool exited' });
    expect(term.closed?.code).toBe(4000);
    expect(output).toContain(`bytes from ${web.name}`);
    expect(run).toMatchObject({ tool: 'ping', state: 'exited', exitCode: 0, limitReached: false, argv: ['ping', '-c', '3', '-i', '1', '-W', '2', '--', web.name] });
    expect(run.result).toMatchObject({ kind: 'ping', transmitted: 3, received: 3, lossPercent: 0, address: webIp });
    if (run.result?.kind !== 'ping') throw new Error('not a ping result');
    expect(run.result.replies).toHaveLength(3);
    expect(run.result.rtt?.avgMs).toBeGreaterThan(0);
  });

  it("dig resolves a network alias through Docker's DNS", async () => {
    const { run } = await runToEnd({ tool: 'dig', target: onNetwork(), params: { host: 'payments-api' } });
    expect(run.exitCode).toBe(0);
    expect(run.result).toMatchObject({ kind: 'dns', status: 'NOERROR', server: '127.0.0.11#53' });
    if (run.result?.kind !== 'dns') throw new Error('not a dns result');
    expect(run.result.answers).toEqual([expect.objectContaining({ name: 'payments-api.', type: 'A', data: apiIp })]);
  });

  it('port check reports open on the listening port and closed on another', async () => {
    const { run } = await runToEnd({ tool: 'port-check', target: inWeb(), params: { host: api.name, ports: '80,81' } });
    expect(run.result).toMatchObject({ kind: 'ports' });
    if (run.result?.kind !== 'ports') throw new Error('not a ports result');
    expect(run.result.entries.map((e) => [e.port, e.state, e.address])).toEqual([
      [80, 'open', apiIp],
      [81, 'closed', apiIp],
    ]);
  });

  it('curl gets the status line and a timing breakdown from the http server', async () => {
    const { run, output } = await runToEnd({ tool: 'curl', target: inWeb(), params: { url: `http://${api.name}/` } });
    expect(output).toContain('HTTP/1.1 200 OK');
    expect(run.exitCode).toBe(0);
    expect(run.result).toMatchObject({ kind: 'http', statusLine: 'HTTP/1.1 200 OK', httpCode: 200, remote: `${apiIp}:80` });
    if (run.result?.kind !== 'http') throw new Error('not an http result');
    expect(run.result.timings.totalMs).toBeGreaterThan(0);
    expect(run.result.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['dns', 'connect', 'wait']));
  });

  it('curl makes one request per URL: brackets are not expanded into many (braces are refused)', async () => {
    const { run, output } = await runToEnd({ tool: 'curl', target: inWeb(), params: { url: `http://${api.name}/x[1-50]` } });
    expect(run.argv).toContain('--globoff');
    // busybox httpd answers the one literal path with 404; globbing would have made 50 requests.
    expect(output.match(/^HTTP\/1\.[01] /gm)).toHaveLength(1);
    expect(run.result).toMatchObject({ kind: 'http', httpCode: 404 });
  });

  it('iperf3 between two containers yields a throughput, and both toolboxes are removed', async () => {
    const { run } = await runToEnd({ tool: 'iperf3', target: inWeb(), params: { server: api.name, seconds: 2 } });
    expect(run.exitCode).toBe(0);
    expect(run.peer).toMatchObject({ role: 'iperf3 server', containerId: api.id, address: apiIp, argv: ['iperf3', '-s', '-1', '-p', '5201'] });
    expect(run.argv.slice(0, 3)).toEqual(['iperf3', '-c', apiIp]);
    expect(run.result).toMatchObject({ kind: 'throughput', protocol: 'TCP' });
    if (run.result?.kind !== 'throughput') throw new Error('not a throughput result');
    expect(run.result.intervals.length).toBeGreaterThanOrEqual(2);
    expect(run.result.receiver?.bitsPerSecond).toBeGreaterThan(0);
    await expect.poll(() => containersWithLabels(`sonde.run=${run.id}`), { timeout: 10_000 }).toHaveLength(0);
  });

  it("listening sockets show the target's process when the PID namespace is shared", async () => {
    const { run } = await runToEnd({ tool: 'listening-sockets', target: inWeb(true), params: {} });
    if (run.result?.kind !== 'sockets') throw new Error(`not a sockets result: ${JSON.stringify(run)}`);
    expect(run.result.processesVisible).toBe(true);
    expect(run.result.sockets).toEqual(expect.arrayContaining([expect.objectContaining({ netid: 'tcp', state: 'LISTEN', localPort: '80', processes: [expect.objectContaining({ name: 'httpd' })] })]));
  });

  it('refuses hostile parameters with 400 naming the field, before anything starts', async () => {
    const cases: [CreateRunRequest, string][] = [
      [{ tool: 'ping', target: onNetwork(), params: { host: '-oProxyCommand=id' } }, 'body.params.host must not start with "-"'],
      [{ tool: 'nmap', target: onNetwork(), params: { hosts: 'web', ports: '80', extra: '-oN /tmp/x' } }, 'body.params.extra is not a parameter of nmap'],
      [{ tool: 'ping', target: onNetwork(), params: { host: '$(id)' } }, 'body.params.host must not contain "$"'],
      [{ tool: 'ping', target: onNetwork(), params: { host: 'web;id' } }, 'body.params.host must not contain ";"'],
      [{ tool: 'ping', target: onNetwork(), params: { host: 'web\nid' } }, 'body.params.host must not contain control characters'],
      [{ tool: 'curl', target: onNetwork(), params: { url: 'file:///etc/passwd' } }, 'body.params.url must be an http:// or https:// URL'],
      [{ tool: 'curl', target: onNetwork(), params: { url: 'gopher://127.0.0.1:25/' } }, 'body.params.url must be an http:// or https:// URL'],
      [{ tool: 'curl', target: onNetwork(), params: { url: 'http://web/{a,b}' } }, 'body.params.url must not contain "{"'],
      [{ tool: 'tcpdump', target: onNetwork(), params: { filter: 'port 53; id' } }, 'body.params.filter must not contain ";"'],
      [{ tool: 'ping', target: onNetwork(), params: { host: 'web', count: 100000 } }, 'body.params.count must be between 1 and 100'],
      [{ tool: 'ping', target: onNetwork(), params: { host: 'web', count: '3' } }, 'body.params.count must be a whole number'],
      [{ tool: 'ping', target: onNetwork(), params: {} }, 'body.params.host is required'],
      // One value naming thousands of targets (nmap and fping read octet ranges).
      [{ tool: 'nmap', target: onNetwork(), params: { hosts: '127.0-255.0-255.1-254', ports: '80' } }, 'body.params.hosts must be comma-separated hostnames or IP addresses'],
      [{ tool: 'nmap', target: onNetwork(), params: { hosts: '10.0.0.1-254', ports: '80' } }, 'body.params.hosts must be comma-separated hostnames or IP addresses'],
      [{ tool: 'nmap', target: onNetwork(), params: { hosts: 'a,b,c,d,e,f,g,h,i', ports: '80' } }, 'body.params.hosts must list at most 8 hosts'],
      [{ tool: 'ping', target: onNetwork(), params: { host: '10.0-255.0.1' } }, 'body.params.host must be a hostname or an IP address'],
      [{ tool: 'ping-members', target: onNetwork(), params: { hosts: '10.0.0.1-254' } }, 'body.params.hosts must be comma-separated hostnames or IP addresses'],
    ];
    for (const [request, message] of cases) {
      const refused = await refusal(start(request));
      expect(refused, message).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining(message) });
    }
    await expect(start({ tool: 'rm-rf', target: onNetwork(), params: {} })).rejects.toMatchObject({ status: 404, code: 'TOOL_NOT_FOUND' });
    await expect(start({ tool: 'ping', target: { kind: 'container', container: 'no-such-container-here' }, params: { host: 'web' } })).rejects.toMatchObject({
      status: 404,
      code: 'TARGET_NOT_FOUND',
    });
    await expect(start({ tool: 'iperf3', target: inWeb(), params: { server: 'no-such-container-here' } })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('params.server'),
    });
    expect(await containersWithLabels('sonde.managed=true', `sonde.instance=${sonde.instance}`)).toHaveLength(0);
  });

  it('refuses a two-sided run between containers that share no network', async () => {
    const elsewhere = await fixtures.container({ network: await fixtures.network() });
    await expect(start({ tool: 'iperf3', target: inWeb(), params: { server: elsewhere.name } })).rejects.toMatchObject({
      status: 409,
      code: 'NO_SHARED_NETWORK',
      message: expect.stringContaining('params.server'),
    });
  });

  it('stops a capture at its time limit, and says so', async () => {
    const { run, output } = await runToEnd({ tool: 'tcpdump', target: inWeb(), params: { interface: 'eth0', filter: 'icmp', seconds: 2 } });
    expect(output).toContain('reached its time limit (2 s)');
    // Interrupted like Ctrl-C: tcpdump printed its summary before exiting.
    expect(output).toMatch(/packets captured/);
    expect(run).toMatchObject({ limitReached: true, endReason: 'limit', limitSeconds: 2 });
    await expect.poll(() => containersWithLabels(`sonde.run=${run.id}`), { timeout: 10_000 }).toHaveLength(0);
  });

  it('DELETE cancels a run, tells the client, and removes its toolbox', async () => {
    const run = await start({ tool: 'ping', target: onNetwork(), params: { host: web.name, count: 100 } });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${run.ttyPath}`, sonde.auth);
    await term.waitFor(/bytes from/);
    expect(await containersWithLabels(`sonde.run=${run.id}`)).toHaveLength(1);
    await sonde.client.cancelRun(run.id);
    expect(await containersWithLabels(`sonde.run=${run.id}`)).toHaveLength(0);
    expect((await term.waitClosed()).code).toBe(4000);
    expect(term.controls.at(-1)).toMatchObject({ type: 'exit', code: -1, reason: 'the run was cancelled' });
    expect(await get(run.id)).toMatchObject({ state: 'exited', exitCode: -1, endReason: 'deleted' });
    // Cancelling an ended run is also 204 (checked by the tests' client), an unknown one 404.
    await sonde.client.cancelRun(run.id);
    await expect(sonde.client.cancelRun('0'.repeat(32))).rejects.toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
  });

  it('a run is read-only: keystrokes never reach the tool', async () => {
    const run = await start({ tool: 'ping', target: onNetwork(), params: { host: web.name, count: 3 } });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${run.ttyPath}`, sonde.auth);
    term.send('\u0003'); // Ctrl-C would stop ping early
    await term.waitClosed(20_000);
    const done = await finished(run.id);
    expect(done.result).toMatchObject({ transmitted: 3 });
  });

  it('an unknown run id closes its terminal with 4004, and GET answers 404', async () => {
    const id = 'f'.repeat(32);
    const term = await TerminalClient.connect(`${sonde.wsUrl}/api/runs/${id}/tty`, sonde.auth);
    expect((await term.waitClosed()).code).toBe(4004);
    expect(term.controls[0]).toMatchObject({ type: 'error', code: 'RUN_NOT_FOUND' });
    await expect(get(id)).rejects.toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
  });

  it('every catalog tool runs in a container namespace with the capabilities it declares', async () => {
    const runs: [string, CreateRunRequest['params']][] = [
      ['dig', { host: api.name }],
      ['drill', { host: api.name }],
      ['resolver-config', {}],
      ['ping-members', { hosts: `${api.name},${apiIp}`, count: 1 }],
      ['mtr', { host: api.name, cycles: 1 }],
      ['traceroute', { host: api.name, maxHops: 3 }],
      ['tcptraceroute', { host: api.name, maxHops: 3 }],
      ['nmap', { hosts: api.name, ports: '79-81' }],
      ['ip-addr', {}],
      ['ip-route', {}],
      ['ip-rule', {}],
      ['ip-neigh', {}],
      ['arping', { address: apiIp, count: 1 }],
      ['ethtool', {}],
      ['iptables-save', {}],
      ['nft-ruleset', {}],
      ['conntrack', {}],
      ['iftop', { seconds: 2 }],
    ];
    const failures: string[] = [];
    for (const [tool, params] of runs) {
      const { run, output } = await runToEnd({ tool, target: inWeb(), params });
      if (run.exitCode !== 0) failures.push(`${tool} exited ${run.exitCode}: ${output.slice(-400)}`);
    }
    expect(failures).toEqual([]);
    // Seventeen toolboxes one after another: several seconds each on a busy 2-core machine.
  }, 240_000);

  it('says which binary is missing when the toolbox image lacks a tool', async () => {
    const bare = await startConsole({ SONDE_TOOLBOX_IMAGE: process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest' });
    try {
      await expect(bare.client.createRun({ tool: 'mtr', target: { kind: 'network', network }, params: { host: web.name } })).rejects.toMatchObject({
        status: 424,
        code: 'TOOL_MISSING',
        message: expect.stringContaining('no "mtr" command'),
      });
      expect(await containersWithLabels('sonde.managed=true', `sonde.instance=${bare.instance}`)).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });

  it('closing the console ends live runs and leaves no toolbox behind', async () => {
    const run = await start({ tool: 'iperf3', target: inWeb(), params: { server: api.name, seconds: 30 } });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${run.ttyPath}`, sonde.auth);
    expect(await containersWithLabels(`sonde.run=${run.id}`)).toHaveLength(2);
    await sonde.close();
    expect(await containersWithLabels('sonde.managed=true', `sonde.instance=${sonde.instance}`)).toHaveLength(0);
    const closed = await term.waitClosed();
    expect(closed.code).toBe(4001);
    sonde = await startConsole();
  });

});
