import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionInfo, TargetRequest } from '@sonde/shared';
import { parseConfig } from '../src/config.js';
import { DockerFixtures, containersWithLabels, docker } from './support/docker-fixtures.js';
import { SondeProcess } from './support/sonde-process.js';
import { TerminalClient } from './support/terminal-client.js';

/**
 * What a toolbox user cannot do to the console, to other sessions or to the host: a fork bomb
 * and a memory hog stay inside the toolbox's own PID and memory limits while the console keeps
 * answering, and a toolbox reaches neither the console's port nor the Docker API. The console
 * is the built server in its own process, with the default limits, as an operator runs it.
 */

const limits = parseConfig({}).toolboxLimits;
/** A correctness guard against a hung or starved console, not a performance target. */
const HEALTH_P95_BOUND_MS = 500;
/** How long another session may take to echo while a toolbox misbehaves. */
const ECHO_BOUND_MS = 5_000;

/** The cgroup directory of a controller for a running container, from its init process (cgroup v1 or v2). */
async function cgroupDir(containerId: string, controller: 'pids' | 'memory'): Promise<string> {
  const pid = Number(await docker('inspect', '-f', '{{.State.Pid}}', containerId));
  expect(pid).toBeGreaterThan(0);
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const line of lines) {
    const [, controllers, dir] = line.split(':');
    if (controllers?.split(',').includes(controller)) return `/sys/fs/cgroup/${controller}${dir}`;
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  if (!unified) throw new Error(`no ${controller} cgroup for ${containerId}:\n${lines.join('\n')}`);
  return `/sys/fs/cgroup${unified.slice(3)}`;
}

function readCgroup(dir: string, file: string): string {
  return readFileSync(`${dir}/${file}`, 'utf8').trim();
}

/** A `key value` line of a cgroup events file (pids.events, memory.events, memory.oom_control). */
function cgroupCounter(dir: string, file: string, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(readCgroup(dir, file));
  return match ? Number(match[1]) : 0;
}

/**
 * The cgroup's tasks (threads) by command name. Not `pids.current`, and not their total, bound the bomb:
 * - the kernel charges a fork by adding to the counter and takes it back if that went over the limit, so
 *   concurrent forks against a full cgroup show `pids.current` a few above `pids.max` for an instant;
 * - a process that joins the cgroup from outside is charged without the limit (cgroup migration is not a
 *   fork): the console's own network-state check, an exec into the toolbox 3 s after typing went quiet,
 *   brings its runtime's `runc:[2:INIT]` threads in over a full limit (514 and 519 of 512 seen).
 * The bomb's processes are the shell's forks, so they are the `bash` tasks.
 */
function tasksByName(dir: string): Map<string, number> {
  const file = existsSync(`${dir}/cgroup.threads`) ? 'cgroup.threads' : 'tasks';
  const names = new Map<string, number>();
  for (const tid of readCgroup(dir, file).split('\n').filter(Boolean)) {
    let name = '(gone)';
    try {
      name = readFileSync(`/proc/${tid}/comm`, 'utf8').trim();
    } catch {
      // It exited between the list and its comm.
    }
    names.set(name, (names.get(name) ?? 0) + 1);
  }
  return names;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('toolbox containment (real Docker, built server)', () => {
  const fixtures = new DockerFixtures();
  let sonde: SondeProcess;
  let network: string;
  let gateway: string;
  let target: { id: string; name: string };
  const opened: TerminalClient[] = [];
  /** Sessions a test opened and has not ended: ended after it whatever happened (see afterEach). */
  const live = new Map<string, SessionInfo>();

  beforeAll(async () => {
    sonde = await SondeProcess.start();
    network = await fixtures.network();
    gateway = await docker('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', network);
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    target = await fixtures.container({ network });
  });

  // A user's sessions to one target share a toolbox, so a test that failed with its fork bomb or
  // memory hog still running would hand it to the next test's session to that target: every
  // session a test left open is ended here, and its toolbox removed even if ending it failed.
  afterEach(async () => {
    for (const info of live.values()) {
      await sonde.client.endSession(info.id).catch(() => undefined);
      const left = await containersWithLabels(`sonde.session=${info.id}`);
      if (left.length > 0) await docker('rm', '-f', ...left).catch(() => undefined);
    }
    live.clear();
  }, 60_000);

  afterAll(async () => {
    for (const term of opened) term.kill();
    await sonde?.stop();
    await fixtures.dispose();
  }, 60_000);

  async function open(targetSpec: TargetRequest, keepBytes?: number): Promise<{ info: SessionInfo; term: TerminalClient }> {
    const info = await sonde.client.createSession(targetSpec);
    live.set(info.id, info);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth, keepBytes ? { keepBytes } : {});
    opened.push(term);
    term.resize(120, 40);
    // Computed by the shell, so the echoed command line cannot satisfy the wait.
    term.send('echo ready-$((40+2))\r');
    await term.waitFor(/ready-42/, 20_000);
    return { info, term };
  }

  /** One health request on its own connection, timed; a console that does not answer in 5 s fails it. */
  function timedHealth(): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.get({ host: '127.0.0.1', port: sonde.port, path: '/api/health', agent: false, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`health answered ${res.statusCode}`))));
      });
      req.on('timeout', () => req.destroy(new Error('health did not answer within 5 s')));
      req.on('error', reject);
    });
  }

  /** `count` health requests spread over `spanMs`, one at a time: their latencies in ms. */
  async function sampleHealth(count = 20, spanMs = 5_000): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const latency = await timedHealth();
      latencies.push(latency);
      await sleep(Math.max(0, spanMs / count - latency));
    }
    return latencies;
  }

  function describeLatencies(latencies: number[]): string {
    return `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`;
  }

  /** How long another session takes to run a command and show its output. */
  async function echoTime(term: TerminalClient): Promise<number> {
    const started = performance.now();
    expect(await term.run('echo alive-$((1+1))', ECHO_BOUND_MS)).toContain('alive-2');
    return performance.now() - started;
  }

  async function end(info: SessionInfo): Promise<void> {
    // The tests' client holds DELETE to the documented 204.
    await sonde.client.endSession(info.id);
    live.delete(info.id);
    expect(await containersWithLabels(`sonde.session=${info.id}`), `toolboxes of session ${info.id} after it ended`).toEqual([]);
  }

  it('a fork bomb fills only its own toolbox PID limit; the console answers and another session works', async () => {
    const baseline = await sampleHealth(10, 1_000);
    // Another target, so another toolbox: a user's sessions to one target share one (and its limits).
    const other = await open({ kind: 'network', network });
    // The bomb's terminal fills with fork errors: keep only its tail.
    const bomb = await open({ kind: 'container', container: target.name }, 64 * 1024);
    const pids = await cgroupDir(bomb.info.toolbox.containerId, 'pids');
    expect(readCgroup(pids, 'pids.max')).toBe(String(limits.pids));

    bomb.term.send(':(){ :|:& };:\r');
    // The bomb's own tasks (see tasksByName), the most in one sample, and what else the cgroup held then.
    let highest = 0;
    let others = '';
    const sample = () => {
      const names = tasksByName(pids);
      const bash = names.get('bash') ?? 0;
      if (bash >= highest) {
        highest = bash;
        names.delete('bash');
        others = [...names].map(([name, count]) => `${count} ${name}`).join(', ') || 'nothing else';
      }
    };
    const deadline = Date.now() + 30_000;
    while (highest < limits.pids * 0.9) {
      if (Date.now() > deadline) throw new Error(`the fork bomb reached only ${highest} processes in 30 s`);
      sample();
      await sleep(100);
    }
    // While it runs, flat out against its limit: the console and the other session carry on.
    const sampling = setInterval(sample, 100);
    const [underBomb, echoMs] = await Promise.all([sampleHealth(20, 5_000), echoTime(other.term)]).finally(() => clearInterval(sampling));
    sample();
    expect(highest, `the bomb's processes at most (the cgroup also held ${others})`).toBeLessThanOrEqual(limits.pids);
    expect(cgroupCounter(pids, 'pids.events', 'max'), `pids.events: ${readCgroup(pids, 'pids.events')}`).toBeGreaterThan(0);
    console.log(`fork bomb: ${highest} of ${limits.pids} pids (and ${others}); health before ${describeLatencies(baseline)}; during ${describeLatencies(underBomb)}; other session echoed in ${echoMs.toFixed(0)} ms`);
    expect(percentile(underBomb, 95), `health under the bomb: ${describeLatencies(underBomb)}`).toBeLessThan(HEALTH_P95_BOUND_MS);

    // Ending the session removes the toolbox and every process in it.
    await end(bomb.info);
    expect(existsSync(pids), `the bomb's pids cgroup ${pids} after its session ended`).toBe(false);
    expect(await echoTime(other.term)).toBeLessThan(ECHO_BOUND_MS);
    await end(other.info);
  }, 120_000);

  it('a memory hog is OOM-killed inside its toolbox memory limit; its shell, the console and another session survive', async () => {
    const other = await open({ kind: 'network', network });
    const hog = await open({ kind: 'container', container: target.name });
    const memory = await cgroupDir(hog.info.toolbox.containerId, 'memory');
    const v2 = existsSync(`${memory}/memory.max`);
    expect(readCgroup(memory, v2 ? 'memory.max' : 'memory.limit_in_bytes')).toBe(String(limits.memoryBytes));

    // tail keeps the last "line" of a stream without newlines, so it grows until it is stopped.
    const hogRun = hog.term.run('head -c 4G /dev/zero | tail; echo "hog-exit=$?"', 60_000);
    const [duringHog, echoMs, output] = await Promise.all([sampleHealth(20, 5_000), echoTime(other.term), hogRun]);
    expect(output).toContain('hog-exit=137');
    expect(cgroupCounter(memory, v2 ? 'memory.events' : 'memory.oom_control', 'oom_kill')).toBeGreaterThan(0);
    console.log(`memory hog: killed at the ${limits.memoryBytes / 2 ** 20} MiB limit; health during ${describeLatencies(duringHog)}; other session echoed in ${echoMs.toFixed(0)} ms`);
    expect(percentile(duringHog, 95), `health during the hog: ${describeLatencies(duringHog)}`).toBeLessThan(HEALTH_P95_BOUND_MS);

    // Only the hog died: the toolbox's shell still answers.
    expect(await hog.term.run('echo still-$((3*3))')).toContain('still-9');
    await end(hog.info);
    await end(other.info);
  }, 120_000);

  it("a toolbox reaches neither the console's port nor the Docker API, and holds no socket, mount or device of the host", async () => {
    // Control: the host is reachable from the toolbox through the gateway, so the refusals
    // below come from what listens where, not from a broken route.
    const control = http.createServer((_req, res) => res.end('control-ok'));
    await new Promise<void>((resolve) => control.listen(0, gateway, resolve));
    try {
      const controlPort = (control.address() as AddressInfo).port;
      for (const mode of [{ kind: 'container', container: target.name }, { kind: 'network', network }] satisfies TargetRequest[]) {
        const { info, term } = await open(mode);
        const probe = (url: string) => term.run(`curl -sS -m 3 ${url}; echo " rc=$?"`, 15_000);
        expect(await probe(`http://${gateway}:${controlPort}/`)).toMatch(/control-ok rc=0/);
        // The console listens on the host's loopback, which a toolbox's namespace does not share.
        for (const address of [gateway, '127.0.0.1']) {
          const answer = await probe(`http://${address}:${sonde.port}/api/health`);
          expect(answer).toMatch(/rc=(7|28)\b/);
          expect(answer).not.toContain('status');
        }
        // The Docker API is not on TCP (one attempt per port, on this test's own gateway).
        for (const port of [2375, 2376]) {
          const answer = await probe(`http://${gateway}:${port}/version`);
          expect(answer).toMatch(/rc=(7|28|52|56)\b/);
          expect(answer).not.toContain('ApiVersion');
        }
        expect(await term.run('find / -xdev -name docker.sock 2>/dev/null | wc -l')).toMatch(/^\s*0\s*$/);
        expect(await term.run('grep -c host.docker.internal /etc/hosts')).toMatch(/^0\s*$/);
        // Exactly NET_ADMIN, NET_RAW, SETUID and SETGID (bits 12, 13, 7, 6), effective and bounding.
        // Piped, so grep prints no colour codes.
        const caps = await term.run('grep -E "^Cap(Eff|Bnd)" /proc/self/status | cat');
        expect(caps).toMatch(/CapEff:\s+00000000000030c0/);
        expect(caps).toMatch(/CapBnd:\s+00000000000030c0/);

        const inspected = JSON.parse(await docker('inspect', info.toolbox.containerId))[0];
        const host = inspected.HostConfig;
        expect(inspected.Mounts).toEqual([]);
        expect(host.Binds ?? []).toEqual([]);
        expect(host.Devices ?? []).toEqual([]);
        expect(host.Privileged).toBe(false);
        expect(host.CapDrop).toEqual(['ALL']);
        expect([...host.CapAdd].sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SETGID', 'SETUID']);
        expect(host.SecurityOpt).toEqual(['no-new-privileges']);
        expect(host.PidMode).toBe('');
        expect({ memory: host.Memory, pids: host.PidsLimit, nanoCpus: host.NanoCpus }).toEqual({ memory: limits.memoryBytes, pids: limits.pids, nanoCpus: limits.nanoCpus });
        await end(info);
      }
    } finally {
      await new Promise((resolve) => control.close(resolve));
    }
  }, 120_000);

  it('a host-mode toolbox (admin only) does reach the console port, which still asks it for credentials', async () => {
    const { info, term } = await open({ kind: 'host', engine: 'local' });
    // This is why host mode is for admins only: the host's network namespace includes its loopback.
    expect(await term.run(`curl -sS -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:${sonde.port}/api/health`)).toContain('200');
    expect(await term.run(`curl -sS -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:${sonde.port}/api/sessions`)).toContain('401');
    // It shares the network namespace only: still no Docker socket and no host mounts.
    expect(await term.run('find / -xdev -name docker.sock 2>/dev/null | wc -l')).toMatch(/^\s*0\s*$/);
    const inspected = JSON.parse(await docker('inspect', info.toolbox.containerId))[0];
    expect(inspected.HostConfig.NetworkMode).toBe('host');
    expect(inspected.Mounts).toEqual([]);
    await end(info);
  }, 60_000);
});
