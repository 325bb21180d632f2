import { describe, expect, it, vi } from 'vitest';
import { Duplex } from 'node:stream';
import { FLOW_HIGH_WATERMARK, type ServerControl } from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import { ENDED_REPLAY_BYTES, Session, type ClientChannel, type ParticipantIdentity, type SessionOptions } from './session.js';

/** A toolbox whose "shell" is this test: what it pushes is output, what is written is input. */
function fakeToolbox() {
  const written: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      written.push(chunk as Buffer);
      cb();
    },
  });
  const resizes: [number, number][] = [];
  const toolbox: RunningToolbox = {
    id: 'toolbox-1',
    stream,
    resize: async (cols, rows) => {
      resizes.push([cols, rows]);
    },
    exitCode: async () => 0,
  };
  return { toolbox, stream, written, resizes };
}

/** A client that records frames; `auto` acknowledges each frame as soon as it is "written". */
function client(options: { auto?: boolean } = {}) {
  const frames: Buffer[] = [];
  const controls: ServerControl[] = [];
  const closes: [number, string][] = [];
  const channel: ClientChannel = {
    sendOutput(data, written) {
      frames.push(Buffer.from(data));
      setImmediate(written);
    },
    sendControl(message) {
      controls.push(message);
    },
    close(code, reason) {
      closes.push([code, reason]);
    },
  };
  return { channel, frames, controls, closes, text: () => Buffer.concat(frames).toString(), bytes: () => frames.reduce((n, f) => n + f.length, 0), auto: options.auto };
}

function session(toolbox: RunningToolbox, release: SessionOptions['release'] = vi.fn(async () => undefined), overrides: Partial<SessionOptions> = {}) {
  return new Session({
    id: 's1',
    owner: { id: OWNER.id, name: OWNER.name },
    target: { kind: 'host', engine: 'local' },
    scope: { containers: [], networks: [] },
    image: 'img',
    toolbox,
    replayBytes: 4 * 1024 * 1024,
    detachedGraceMs: 60_000,
    release,
    onEnded: () => undefined,
    ...overrides,
  });
}

const OWNER: ParticipantIdentity = { id: 'user:owner', name: 'owner', canManage: true };

const tick = () => new Promise((r) => setImmediate(r));

describe('Session', () => {
  it('replays output produced before a client attached, then streams live', async () => {
    const { toolbox, stream } = fakeToolbox();
    const s = session(toolbox);
    stream.push(Buffer.from('prompt$ '));
    await tick();
    const c = client();
    s.attach(c.channel, undefined, OWNER);
    expect(c.controls[0]).toMatchObject({ type: 'hello', offset: 0, resynced: false });
    stream.push(Buffer.from('more'));
    await tick();
    await tick();
    expect(c.text()).toBe('prompt$ more');
  });

  it('resumes a reconnecting client exactly where it left off', async () => {
    const { toolbox, stream } = fakeToolbox();
    const s = session(toolbox);
    stream.push(Buffer.from('0123456789'));
    await tick();
    const c = client();
    s.attach(c.channel, 4, OWNER);
    await tick();
    expect(c.text()).toBe('456789');
    expect(c.controls[0]).toMatchObject({ offset: 4, resynced: false });
  });

  it('sends every client the same bytes and forwards input and resizes', async () => {
    const { toolbox, stream, written, resizes } = fakeToolbox();
    const s = session(toolbox);
    const a = client();
    const b = client();
    const attachA = s.attach(a.channel, undefined, OWNER);
    s.attach(b.channel, undefined, OWNER);
    stream.push(Buffer.from('hello'));
    await tick();
    await tick();
    expect(a.text()).toBe('hello');
    expect(b.text()).toBe('hello');
    attachA.input(Buffer.from('ls\n'));
    attachA.resize(120, 40);
    await tick();
    expect(Buffer.concat(written).toString()).toBe('ls\n');
    expect(resizes).toEqual([[120, 40]]);
  });

  it('stops reading the shell once a client is a full window behind, and resumes on acks', async () => {
    const { toolbox, stream } = fakeToolbox();
    const s = session(toolbox);
    const c = client();
    const attachment = s.attach(c.channel, undefined, OWNER);
    const chunk = Buffer.alloc(64 * 1024, 97);
    const pushes = Math.ceil((FLOW_HIGH_WATERMARK * 1.5) / chunk.length);
    for (let i = 0; i < pushes; i++) stream.push(chunk);
    for (let i = 0; i < 50; i++) await tick();
    expect(stream.isPaused()).toBe(true);
    // Never more than one window in flight to an unacknowledging client.
    expect(c.bytes()).toBeLessThanOrEqual(FLOW_HIGH_WATERMARK);
    attachment.ack(c.bytes());
    for (let i = 0; i < 50; i++) await tick();
    expect(stream.isPaused()).toBe(false);
  });

  it('does not let a slow viewer stall a fast one: the slow one is resynced', async () => {
    const { toolbox, stream } = fakeToolbox();
const s = session(toolbox, undefined, { replayBytes: 3 * 1024 * 1024 });
    const fast = client();
    const slow = client();
    const fastAttachment = s.attach(fast.channel, undefined, OWNER);
    s.attach(slow.channel, undefined, OWNER);
    const chunk = Buffer.alloc(64 * 1024, 98);
    for (let round = 0; round < 120; round++) {
      stream.push(chunk);
      await tick();
      await tick();
      fastAttachment.ack(fast.bytes() - (fastAttachment as unknown as { acked: number }).acked);
    }
    expect(fast.bytes()).toBe(120 * chunk.length);
    expect(slow.bytes()).toBeLessThan(fast.bytes());
    expect(slow.controls.some((m) => m.type === 'hello' && m.resynced)).toBe(true);
  });

  it('delivers the remaining output, then exit, then closes, and lets go of the toolbox once', async () => {
    const { toolbox, stream } = fakeToolbox();
    const remove = vi.fn(async () => undefined);
    const s = session(toolbox, remove);
    const c = client();
    s.attach(c.channel, undefined, OWNER);
    stream.push(Buffer.from('bye'));
    stream.push(null);
    for (let i = 0; i < 20; i++) await tick();
    await s.end('deleted');
    expect(c.text()).toBe('bye');
    expect(c.controls.at(-1)).toMatchObject({ type: 'exit', code: 0 });
    expect(c.closes).toEqual([[4000, 'the shell exited']]);
    expect(remove).toHaveBeenCalledTimes(1);
    // The shell exited by itself: nothing left to kill in the toolbox.
    expect(remove).toHaveBeenCalledWith({ kill: false });
    expect(s.info()).toMatchObject({ state: 'exited', exitCode: 0, endReason: 'exited' });
  });

  it('ends with the toolbox\'s explanation when it has one, asked before the toolbox is let go', async () => {
    const calls: string[] = [];
    const { toolbox, stream } = fakeToolbox();
    toolbox.exitCode = async () => 127;
    const explainEnd = vi.fn(async (code: number | undefined) => {
      calls.push(`explain ${code}`);
      return 'The toolbox stopped as soon as it started.';
    });
    const s = session(
      toolbox,
      vi.fn(async () => {
        calls.push('release');
      }),
      { explainEnd },
    );
    const c = client();
    s.attach(c.channel, undefined, OWNER);
    stream.push(null);
    for (let i = 0; i < 20 && c.closes.length === 0; i++) await tick();
    await s.end('deleted');
    expect(c.controls.at(-1)).toMatchObject({ type: 'exit', code: 127, reason: 'The toolbox stopped as soon as it started.' });
    expect(c.closes).toEqual([[4000, 'The toolbox stopped as soon as it started.']]);
    expect(s.info()).toMatchObject({ state: 'exited', exitCode: 127, endReason: 'exited' });
    expect(calls).toEqual(['explain 127', 'release']);
  });

  it('ends as "the shell exited" when the toolbox has nothing to add, or its explanation fails', async () => {
    for (const explainEnd of [async () => undefined, async () => Promise.reject(new Error('inspect failed'))]) {
      const { toolbox, stream } = fakeToolbox();
      const s = session(toolbox, undefined, { explainEnd });
      const c = client();
      s.attach(c.channel, undefined, OWNER);
      stream.push(null);
      for (let i = 0; i < 20 && c.closes.length === 0; i++) await tick();
      expect(c.closes).toEqual([[4000, 'the shell exited']]);
    }
  });

  it('asks for the shell to be killed only when the session ends alone, and after its observers ran in the toolbox', async () => {
    const calls: string[] = [];
    for (const [reason, kill] of [['deleted', true], ['idle', true], ['abandoned', true], ['shutdown', false], ['target-stopped', false], ['engine-lost', false], ['access-revoked', false], ['policy', false]] as const) {
      const { toolbox } = fakeToolbox();
      const release = vi.fn(async () => {
        calls.push('release');
      });
      const s = session(toolbox, release);
      s.observe({
        releasing: async () => {
          await tick();
          calls.push('releasing');
        },
        ended: () => calls.push('ended'),
      });
      await s.end(reason);
      expect(release).toHaveBeenCalledWith({ kill });
      expect(calls.splice(0)).toEqual(['releasing', 'release', 'ended']);
    }
  });

  it('closed by a person: reason "closed", and no exit status is made up', async () => {
    const { toolbox } = fakeToolbox();
    const s = session(toolbox);
    const c = client();
    s.attach(c.channel, undefined, OWNER);
    await s.end('deleted');
    expect(s.info()).toMatchObject({ state: 'exited', endReason: 'closed' });
    expect(s.info()).not.toHaveProperty('exitCode');
    expect(c.closes).toEqual([[4000, 'the session was closed']]);
  });

  it('once ended and drained, keeps only the last screenful of output, still replayable', async () => {
    const { toolbox, stream } = fakeToolbox();
    const s = session(toolbox);
    const c = client();
    s.attach(c.channel, undefined, OWNER);
    for (let i = 0; i < 40; i++) stream.push(Buffer.alloc(32 * 1024, 0x61 + (i % 26)));
    for (let i = 0; i < 80; i++) await tick();
    await s.end('deleted');
    for (let i = 0; i < 80; i++) await tick();
    expect(c.bytes()).toBe(40 * 32 * 1024);
    expect(s.log.bytesHeld).toBeLessThanOrEqual(ENDED_REPLAY_BYTES + 32 * 1024);
    const late = client();
    s.attach(late.channel, undefined, OWNER);
    for (let i = 0; i < 20; i++) await tick();
    expect(late.controls[0]).toMatchObject({ type: 'hello', offset: s.log.start, resynced: true });
    expect(late.text().endsWith(c.text().slice(-ENDED_REPLAY_BYTES))).toBe(true);
    expect(late.controls.at(-1)).toMatchObject({ type: 'exit' });
  });
});

describe('Session idle timeout', () => {
  const idleSession = (toolbox: RunningToolbox, idleTimeoutMs: number) => session(toolbox, undefined, { replayBytes: 1024 * 1024, idleTimeoutMs });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('warns, then ends a session nobody types in, even while it prints', async () => {
    const { toolbox, stream } = fakeToolbox();
    const s = idleSession(toolbox, 400);
    const c = client();
    s.attach(c.channel, undefined, OWNER);
    const printer = setInterval(() => stream.push(Buffer.from('tick\n')), 20);
    try {
      await sleep(280);
      expect(c.controls.some((m) => m.type === 'notice' && m.level === 'warning')).toBe(true);
      expect(s.state).toBe('running');
      await sleep(300);
      expect(s.info()).toMatchObject({ state: 'exited', endReason: 'idle' });
    } finally {
      clearInterval(printer);
    }
  });

  it('keeps a session whose participants type, and says the warning is void', async () => {
    const { toolbox } = fakeToolbox();
    const s = idleSession(toolbox, 400);
    const c = client();
    const attachment = s.attach(c.channel, undefined, OWNER);
    await sleep(280);
    attachment.input(Buffer.from('x'));
    expect(c.controls.at(-1)).toMatchObject({ type: 'notice', level: 'info' });
    await sleep(250);
    expect(s.state).toBe('running');
    await s.end('deleted');
  });
});

describe('Session participants', () => {
  const VIEWER: ParticipantIdentity = { id: 'share:v', name: 'guest', shareId: 'v', canManage: false };
  const OTHER: ParticipantIdentity = { id: 'user:bob', name: 'bob', canManage: false };

  it('forwards a driver\'s keys, drops and counts a viewer\'s, and closes a viewer who keeps typing with 1008', async () => {
    const { toolbox, written } = fakeToolbox();
    const s = session(toolbox);
    const owner = client();
    const viewer = client();
    s.attach(owner.channel, undefined, OWNER);
    const v = s.attach(viewer.channel, undefined, VIEWER, 'viewer');
    s.attach(owner.channel, undefined, OWNER).input(Buffer.from('ls\r'));
    v.input(Buffer.from('rm -rf /\r'));
    v.resize(10, 5);
    await tick();
    expect(Buffer.concat(written).toString()).toBe('ls\r');
    expect(v.violations.viewerInput).toBe(1);
    expect(v.violations.viewerControl).toBe(1);
    expect(viewer.controls).toContainEqual({ type: 'notice', level: 'warning', message: expect.stringMatching(/watching/) });
    for (let i = 0; i < 30; i++) v.input(Buffer.from('x'));
    expect(viewer.closes).toEqual([[1008, 'viewers cannot type']]);
    expect(Buffer.concat(written).toString()).toBe('ls\r');
  });

  it('tells everyone who is there, and lets only the owner hand the keyboard over', async () => {
    const { toolbox, written } = fakeToolbox();
    const s = session(toolbox);
    const owner = client();
    const bob = client();
    const o = s.attach(owner.channel, undefined, OWNER);
    const b = s.attach(bob.channel, undefined, OTHER);
    expect(owner.controls).toContainEqual({ type: 'notice', level: 'info', message: 'bob joined (watching).' });
    const presence = bob.controls.filter((c) => c.type === 'presence').at(-1);
    expect(presence).toEqual({
      type: 'presence',
      you: 'user:bob',
      role: 'viewer',
      participants: [
        { id: 'user:owner', name: 'owner', role: 'driver', owner: true, clients: 1 },
        { id: 'user:bob', name: 'bob', role: 'viewer', owner: false, clients: 1 },
      ],
    });
    b.setRole('user:bob', 'driver');
    expect(s.roleOf('user:bob')).toBe('viewer');
    o.setRole('user:bob', 'driver');
    o.setRole('user:owner', 'viewer');
    b.input(Buffer.from('whoami\r'));
    o.input(Buffer.from('nope\r'));
    await tick();
    expect(Buffer.concat(written).toString()).toBe('whoami\r');
    expect(bob.controls).toContainEqual({ type: 'notice', level: 'info', message: 'bob can type now.' });
    // Taking it back works even while the owner is a viewer.
    o.setRole('user:owner', 'driver');
    expect(s.roleOf('user:owner')).toBe('driver');
    b.close(1000, 'bye');
    expect(owner.controls).toContainEqual({ type: 'notice', level: 'info', message: 'bob left.' });
    expect(s.participantList().map((p) => p.id)).toEqual(['user:owner']);
  });

  it('lets the terminal size follow drivers only', async () => {
    const { toolbox, resizes } = fakeToolbox();
    const s = session(toolbox);
    const o = s.attach(client().channel, undefined, OWNER);
    const b = s.attach(client().channel, undefined, OTHER);
    b.resize(50, 10);
    o.resize(120, 40);
    await tick();
    expect(resizes).toEqual([[120, 40]]);
  });
});
