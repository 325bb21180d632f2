import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo, TargetRequest } from '@sonde/shared';
import { DockerFixtures, containersWithLabels, docker } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient, openTerminal } from './support/terminal-client.js';

/** Real sessions against the real engine: each attach mode does what its docker run equivalent does. */
describe('sessions (real Docker)', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let network: string;
  let web: { id: string; name: string };
  let api: { id: string; name: string };

  beforeAll(async () => {
    sonde = await startConsole();
    network = await fixtures.network();
    web = await fixtures.container({ network });
    api = await fixtures.container({ network, alias: 'payments-api' });
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  async function open(target: TargetRequest): Promise<{ info: SessionInfo; term: TerminalClient }> {
    const opened = await openTerminal(sonde, target);
    opened.term.resize(120, 40);
    return opened;
  }

  /** DELETE; the tests' client holds it to the documented 204. */
  const remove = (id: string): Promise<void> => sonde.client.endSession(id);

  it("container mode: the toolbox sees the target's interfaces and resolver", async () => {
    const { info, term } = await open({ kind: 'container', container: web.name });
    expect(info.target).toEqual({ kind: 'container', engine: 'local', containerId: web.id, containerName: web.name, sharePid: false });
    const ip = await fixtures.ipv4(web.id, network);
    // Piped, so `ip` prints no colour codes between the address and its prefix length.
    expect(await term.run('ip -4 addr | cat')).toContain(`inet ${ip}/`);
    // Docker's embedded DNS is the target's resolver on a user network.
    expect(await term.run('cat /etc/resolv.conf')).toContain('127.0.0.11');
    await remove(info.id);
    term.close();
  });

  it("sharePid: the toolbox sees the target's processes", async () => {
    const { info, term } = await open({ kind: 'container', container: web.id.slice(0, 12), sharePid: true });
    expect(info.target).toMatchObject({ containerId: web.id, sharePid: true });
    expect(await term.run('ps -e -o comm')).toMatch(/httpd/);
    const plain = await open({ kind: 'container', container: web.id });
    expect(await plain.term.run('ps -e -o comm')).not.toMatch(/httpd/);
    await Promise.all([remove(info.id), remove(plain.info.id)]);
    term.close();
    plain.term.close();
  });

  it("network mode: Docker's DNS resolves another member's alias", async () => {
    const { info, term } = await open({ kind: 'network', network });
    expect(info.target).toMatchObject({ kind: 'network', networkName: network });
    const apiIp = await fixtures.ipv4(api.id, network);
    expect((await term.run('dig +short payments-api')).trim()).toBe(apiIp);
    expect((await term.run(`dig +short ${api.name}`)).trim()).toBe(apiIp);
    await remove(info.id);
    term.close();
  });

  it('host mode: the toolbox sees the host interfaces (docker0)', async () => {
    const { info, term } = await open({ kind: 'host', engine: 'local' });
    expect(await term.run('ip -o link show')).toContain('docker0');
    await remove(info.id);
    term.close();
  });

  it('DELETE removes the toolbox before it returns, and the client is told', async () => {
    const { info, term } = await open({ kind: 'container', container: web.name });
    await term.run('true');
    expect(await containersWithLabels(`sonde.session=${info.id}`)).toHaveLength(1);
    await remove(info.id);
    expect(await containersWithLabels(`sonde.session=${info.id}`)).toHaveLength(0);
    const closed = await term.waitClosed();
    expect(closed.code).toBe(4000);
    expect(term.controls.at(-1)).toMatchObject({ type: 'exit' });
    expect((await sonde.client.session(info.id)).state).toBe('exited');
  });

  it('a shell that exits ends the session with its exit code and removes the toolbox', async () => {
    const { info, term } = await open({ kind: 'container', container: web.name });
    term.send('exit 7\r');
    await term.waitClosed();
    expect(term.controls.at(-1)).toMatchObject({ type: 'exit', code: 7 });
    await expect.poll(() => containersWithLabels(`sonde.session=${info.id}`), { timeout: 10_000 }).toHaveLength(0);
  });

  it('a reconnecting client gets exactly the output it missed', async () => {
    const { info, term } = await open({ kind: 'container', container: web.name });
    await term.run('echo first-part');
    const seen = term.bytesReceived;
    term.close();
    await term.waitClosed();
    // Output produced while nobody is attached is kept for the next client.
    const other = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}?offset=0`, sonde.auth);
    other.send('echo while-away-$((6*7))\r');
    await other.waitFor(/while-away-42/);
    other.close();
    await other.waitClosed();
    const back = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}?offset=${seen}`, sonde.auth);
    await back.waitFor(/while-away-42/);
    expect(back.controls[0]).toMatchObject({ type: 'hello', offset: seen, resynced: false });
    expect(back.text()).not.toContain('first-part');
    back.close();
    await remove(info.id);
  });

  it('a toolbox whose target stops ends with "target stopped"', async () => {
    const victim = await fixtures.container({ network });
    const { info, term } = await open({ kind: 'container', container: victim.name });
    await term.run('true');
    await docker('stop', '-t', '0', victim.id);
    await term.waitClosed(20_000);
    expect(term.controls.at(-1)).toMatchObject({ type: 'exit', reason: 'the target container stopped' });
    await expect.poll(() => containersWithLabels(`sonde.session=${info.id}`), { timeout: 10_000 }).toHaveLength(0);
  });

  it('the toolbox runs with exactly the containment we promise', async () => {
    const { info, term } = await open({ kind: 'container', container: web.name, sharePid: true });
    await term.run('true');
    const inspected = JSON.parse(await docker('inspect', info.toolbox.containerId))[0];
    const host = inspected.HostConfig;
    expect(host.Privileged).toBe(false);
    expect(host.CapDrop).toEqual(['ALL']);
    expect([...host.CapAdd].sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SETGID', 'SETUID', 'SYS_PTRACE']);
    expect(host.SecurityOpt).toContain('no-new-privileges');
    expect(host.Init).toBe(true);
    expect(host.Memory).toBeGreaterThan(0);
    expect(host.PidsLimit).toBeGreaterThan(0);
    expect(host.NanoCpus).toBeGreaterThan(0);
    expect(host.NetworkMode).toBe(`container:${web.id}`);
    expect(host.PidMode).toBe(`container:${web.id}`);
    expect(host.Binds ?? []).toEqual([]);
    expect(host.Devices ?? []).toEqual([]);
    expect(inspected.Mounts).toEqual([]);
    expect(inspected.Config.Labels).toMatchObject({ 'sonde.managed': 'true', 'sonde.session': info.id, 'sonde.instance': sonde.instance });
    await remove(info.id);
    term.close();
  });

  it('leaves no toolbox behind after the console closes', async () => {
    const { term } = await open({ kind: 'host', engine: 'local' });
    await term.run('true');
    await sonde.close();
    expect(await containersWithLabels('sonde.managed=true', `sonde.instance=${sonde.instance}`)).toHaveLength(0);
    const closed = await term.waitClosed();
    expect(closed.code).toBe(4001);
    sonde = await startConsole();
  });
});
