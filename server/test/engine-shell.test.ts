import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import { DockerEngine } from '../src/engine/docker-engine.js';
import { EngineError, type RunningToolbox } from '../src/engine/types.js';
import { buildToolboxSpec, sessionShell } from '../src/toolboxes/toolbox-spec.js';
import { DockerFixtures, TOOLBOX_IMAGE, containersWithLabels, docker, uniqueName } from './support/docker-fixtures.js';

/**
 * The engine seam's TTY exec against the real engine: `openShell` opens an interactive shell in
 * a running toolbox, sized, resizable, with its own exit code, as many at once as asked for, and
 * the toolbox outlives them.
 */

/** What a shell printed so far, as text. */
function collect(stream: Duplex): { text: () => string; ended: Promise<void> } {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
  return { text: () => text, ended };
}

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a command in a shell and returns what it printed, between markers the shell computes (so the echoed line cannot match). */
async function run(shell: RunningToolbox, output: { text: () => string }, command: string, tag: string): Promise<string> {
  const from = output.text().length;
  shell.stream.write(`echo "${tag}-BEGIN-$((1+1))"; ${command}; echo "${tag}-END-$((6*7))"\r`);
  const pattern = new RegExp(`${tag}-BEGIN-2\\r?\\n([\\s\\S]*?)${tag}-END-42`);
  await until(tag, () => pattern.test(output.text().slice(from)));
  return pattern.exec(output.text().slice(from))![1]!;
}

describe('engine: openShell, a TTY exec in a running toolbox (real Docker)', () => {
  const fixtures = new DockerFixtures();
  const engine = new DockerEngine({ name: 'local' });
  const instance = uniqueName('test-shell');
  let toolboxId: string;

  beforeAll(async () => {
    const target = await fixtures.container();
    const targetId = (await docker('inspect', '-f', '{{.Id}}', target.name)).trim();
    const spec = buildToolboxSpec(
      'a'.repeat(32),
      { kind: 'container', engine: 'local', containerId: targetId, containerName: target.name, sharePid: false },
      { image: TOOLBOX_IMAGE, instance, limits: { memoryBytes: 256 * 1024 * 1024, pids: 128, nanoCpus: 1_000_000_000 } },
      { idle: true, name: uniqueName('sonde-test-shell'), labels: { 'sonde.test': 'true' } },
    );
    toolboxId = await engine.startIdleToolbox(spec);
  });

  afterAll(async () => {
    await engine.removeContainer(toolboxId).catch(() => undefined);
    await fixtures.dispose();
    expect(await containersWithLabels(`sonde.instance=${instance}`)).toEqual([]);
  });

  it('opens a shell of the given size, resizes it, and reports its own exit code; the toolbox runs on', async () => {
    const shell = await engine.openShell(toolboxId, sessionShell({ kind: 'host', engine: 'local' }), { size: { cols: 100, rows: 30 }, env: ['SONDE_SESSION=first'] });
    expect(shell.id).toBe(toolboxId);
    const output = collect(shell.stream);
    expect((await run(shell, output, 'stty size', 'SIZE')).trim()).toBe('30 100');
    expect((await run(shell, output, 'echo "$SONDE_SESSION $TERM"', 'ENV')).trim()).toBe('first xterm-256color');
    await shell.resize(132, 43);
    expect((await run(shell, output, 'stty size', 'RESIZED')).trim()).toBe('43 132');
    shell.stream.write('exit 3\r');
    await output.ended;
    expect(await shell.exitCode()).toBe(3);
    expect((await docker('inspect', '-f', '{{.State.Running}}', toolboxId)).trim()).toBe('true');
  });

  it('runs several shells at once, each with its own terminal, input and output', async () => {
    const shells = await Promise.all([0, 1, 2].map((i) => engine.openShell(toolboxId, sessionShell({ kind: 'host', engine: 'local' }), { size: { cols: 80, rows: 24 }, env: [`SONDE_SESSION=s${i}`] })));
    const outputs = shells.map((s) => collect(s.stream));
    const ttys = await Promise.all(shells.map((s, i) => run(s, outputs[i]!, 'echo "$SONDE_SESSION $(tty)"', `TTY${i}`)));
    const seen = ttys.map((t) => t.trim().split(' '));
    expect(seen.map(([session]) => session)).toEqual(['s0', 's1', 's2']);
    expect(new Set(seen.map(([, tty]) => tty)).size).toBe(3);
    for (const [i, s] of shells.entries()) {
      s.stream.write(`exit ${i}\r`);
      await outputs[i]!.ended;
      expect(await s.exitCode()).toBe(i);
    }
  });

  it('refuses with not-found once the toolbox is gone', async () => {
    const spec = buildToolboxSpec('b'.repeat(32), { kind: 'host', engine: 'local' }, { image: TOOLBOX_IMAGE, instance, limits: { memoryBytes: 64 * 1024 * 1024, pids: 64, nanoCpus: 500_000_000 } }, { idle: true, name: uniqueName('sonde-test-shell'), labels: { 'sonde.test': 'true' } });
    const gone = await engine.startIdleToolbox(spec);
    await engine.removeContainer(gone);
    const refused = await engine.openShell(gone, ['/bin/sh'], { size: { cols: 80, rows: 24 } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EngineError);
    expect(refused).toMatchObject({ kind: 'not-found' });
  });

  it('refuses with conflict when the toolbox stops between the exec\'s create and its start (Docker then answers 404 for the exec)', async () => {
    const spec = buildToolboxSpec('c'.repeat(32), { kind: 'host', engine: 'local' }, { image: TOOLBOX_IMAGE, instance, limits: { memoryBytes: 64 * 1024 * 1024, pids: 64, nanoCpus: 500_000_000 } }, { idle: true, name: uniqueName('sonde-test-shell'), labels: { 'sonde.test': 'true' } });
    const stopping = await engine.startIdleToolbox(spec);
    try {
      // The moment an image without /bin/sh hits by chance, made certain: the container is
      // stopped right after Docker created the shell's exec (Docker itself, not a stand-in).
      // Typed by the two calls it wraps: only server/src/engine may import dockerode.
      type Container = { exec(options: unknown): Promise<unknown> };
      const client = (engine as unknown as { docker: { getContainer(id: string): Container } }).docker;
      const getContainer = client.getContainer.bind(client);
      client.getContainer = (id: string) => {
        const container = getContainer(id);
        const exec = container.exec.bind(container);
        container.exec = async (options: unknown) => {
          const created = await exec(options);
          await docker('stop', '-t', '0', id);
          return created;
        };
        return container;
      };
      const refused = await engine.openShell(stopping, ['/bin/sh'], { size: { cols: 80, rows: 24 } }).catch((error: unknown) => error).finally(() => {
        client.getContainer = getContainer;
      });
      expect(refused).toBeInstanceOf(EngineError);
      expect(refused).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/stopped before the shell started/) });
    } finally {
      await engine.removeContainer(stopping);
    }
  });
});
