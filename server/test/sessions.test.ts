import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo, TargetRequest } from '@sonde/shared';
import { callerOf } from './support/api-client.js';
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

  describe('toolbox reuse', () => {
    /** The toolbox containers of this console, running or not. */
    const toolboxes = () => containersWithLabels('sonde.managed=true', `sonde.instance=${sonde.instance}`);
    /** The PID of a session's shell, as its toolbox sees it. */
    const shellPid = async (term: TerminalClient) => (await term.run('echo "pid=$$"')).match(/pid=(\d+)/)![1]!;
    /** Whether a process runs in a toolbox (asked from a shell in it). */
    const alive = async (term: TerminalClient, pid: string) => /yes-alive/.test(await term.run(`kill -0 ${pid} 2>/dev/null && echo "yes-$((0))alive" | tr -d 0 || echo gone`));

    it('a second session of the same user to the same target opens its shell in the running toolbox, a shell of its own', async () => {
      const first = await open({ kind: 'container', container: web.name });
      const second = await open({ kind: 'container', container: web.name });
      expect(second.info.toolbox.containerId).toBe(first.info.toolbox.containerId);
      expect(await toolboxes()).toEqual([first.info.toolbox.containerId]);
      // Each shell has its own terminal, its own size and its own session id.
      second.term.resize(100, 30);
      // The resize reaches Docker asynchronously: wait until that shell's terminal has it.
      await expect.poll(async () => (await second.term.run('stty size')).includes('30 100'), { timeout: 10_000 }).toBe(true);
      const [a, b] = await Promise.all([first.term.run('echo "$SONDE_SESSION $(tty) $(stty size)"'), second.term.run('echo "$SONDE_SESSION $(tty) $(stty size)"')]);
      expect(a).toMatch(new RegExp(`${first.info.id} /dev/pts/\\d+ 40 120`));
      expect(b).toMatch(new RegExp(`${second.info.id} /dev/pts/\\d+ 30 100`));
      expect(a.match(/pts\/\d+/)![0]).not.toBe(b.match(/pts\/\d+/)![0]);
      // A shell of the same target with its processes is another toolbox (other namespaces).
      const withPid = await open({ kind: 'container', container: web.name, sharePid: true });
      expect(withPid.info.toolbox.containerId).not.toBe(first.info.toolbox.containerId);
      await Promise.all([remove(first.info.id), remove(second.info.id), remove(withPid.info.id)]);
      expect(await toolboxes()).toEqual([]);
      for (const t of [first, second, withPid]) t.term.close();
    });

    it('ending one shell leaves the others running; the last one to go removes the toolbox', async () => {
      const creator = await open({ kind: 'container', container: web.name });
      const second = await open({ kind: 'container', container: web.name });
      const third = await open({ kind: 'container', container: web.name });
      const toolbox = creator.info.toolbox.containerId;
      expect([second.info.toolbox.containerId, third.info.toolbox.containerId]).toEqual([toolbox, toolbox]);
      const secondPid = await shellPid(second.term);
      // DELETE ends that shell only.
      await remove(second.info.id);
      expect((await second.term.waitClosed()).code).toBe(4000);
      expect(await alive(third.term, secondPid)).toBe(false);
      // `exit` in the shell whose session created the toolbox ends that session only.
      creator.term.send('exit 5\r');
      await creator.term.waitClosed();
      expect(creator.term.controls.at(-1)).toMatchObject({ type: 'exit', code: 5 });
      expect(await third.term.run('echo still-$((2+3))')).toContain('still-5');
      expect(await toolboxes()).toEqual([toolbox]);
      // The reaper knows the toolbox is held, though the session it is labelled with has ended.
      expect(await sonde.app.reaper.reap()).toBe(0);
      expect(await toolboxes()).toEqual([toolbox]);
      third.term.send('exit\r');
      await third.term.waitClosed();
      await expect.poll(toolboxes, { timeout: 10_000 }).toEqual([]);
    });

    it('a further session takes the spare shell waiting in the toolbox: a shell of its own from its first byte, ended alone', async () => {
      const first = await open({ kind: 'container', container: web.name });
      const toolbox = first.info.toolbox.containerId;
      /** The toolbox's spare shells, as Docker lists its processes (the spare's $0 names it). */
      const spares = async () => (await docker('top', toolbox, '-o', 'pid,args')).split('\n').filter((line) => / sonde-spare /.test(line)).length;
      await expect.poll(spares, { timeout: 10_000 }).toBe(1);
      const second = await open({ kind: 'container', container: web.name });
      expect(second.info.toolbox.containerId).toBe(toolbox);
      // Its output starts with its shell's prompt: nothing the spare printed while it waited, no echo of the line it was given.
      await second.term.waitFor(/[#$] $/);
      expect(second.term.text()).not.toMatch(/sonde-spare|[0-9a-f]{32}/);
      expect(second.term.text()).toMatch(/^[^\n]*[#$] $/);
      // Its own session id, pid file and terminal size (120x40 from the client's resize), echo back on.
      await expect.poll(async () => (await second.term.run('stty size')).includes('40 120'), { timeout: 10_000 }).toBe(true);
      const pid = await shellPid(second.term);
      expect(await second.term.run(`echo "$SONDE_SESSION"; cat /tmp/.sonde-shell-${second.info.id}`)).toMatch(new RegExp(`^${second.info.id}\\s*$[\\s\\S]*^${pid}\\s*$`, 'm'));
      // Another spare takes its place.
      await expect.poll(spares, { timeout: 10_000 }).toBe(1);
      // DELETE ends that shell only.
      await remove(second.info.id);
      expect((await second.term.waitClosed()).code).toBe(4000);
      expect(await alive(first.term, pid)).toBe(false);
      expect(await first.term.run('echo first-$((2+2))')).toContain('first-4');
      // The last shell's end removes the toolbox, its spare with it.
      await remove(first.info.id);
      first.term.close();
      expect(await toolboxes()).toEqual([]);
    });

    it('never across users, nor into a target that restarted since', async () => {
      const token = await sonde.client.createApiToken({ name: `other-${Date.now()}`, role: 'operator' });
      const other = callerOf(sonde.baseUrl, { token: token.token });
      const restartable = await fixtures.container({ network });
      const mine = await open({ kind: 'container', container: restartable.name });
      const theirs = await openTerminal(sonde, { kind: 'container', container: restartable.name }, { as: other });
      expect(theirs.info.toolbox.containerId).not.toBe(mine.info.toolbox.containerId);
      expect(await theirs.term.run('echo theirs-$((1+1))')).toContain('theirs-2');
      // The target restarts: both sessions end with it; a new session gets a new toolbox.
      await docker('restart', '-t', '0', restartable.id);
      await mine.term.waitClosed(20_000);
      await theirs.term.waitClosed(20_000);
      const again = await open({ kind: 'container', container: restartable.name });
      expect(again.info.toolbox.containerId).not.toBe(mine.info.toolbox.containerId);
      expect(await again.term.run('echo again-$((1+1))')).toContain('again-2');
      await remove(again.info.id);
      again.term.close();
      await expect.poll(toolboxes, { timeout: 10_000 }).toEqual([]);
    });
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
