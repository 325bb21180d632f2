import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CastEvent, CastHeader, type RecordingInfo, type SessionInfo } from '@sonde/shared';
import { checked, readUntil, refusal } from './support/api-client.js';
import { DockerFixtures } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

const run = promisify(execFile);

/**
 * `asciinema cat` (Debian's asciinema 2.x) insists on a terminal (it opens /dev/tty), so it
 * runs under script(1), which gives it one.
 */
async function asciinemaCat(file: string): Promise<string> {
  const { stdout } = await run('script', ['-qec', `asciinema cat ${file}`, '/dev/null'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A tmpfs of `size` at `dir`: a small disk the test can fill. */
async function mountSmallDisk(dir: string, size: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
}

async function unmount(dir: string): Promise<void> {
  await run('umount', [dir]).catch(() => undefined);
}

function openSession(sonde: TestConsole, container: string): Promise<SessionInfo> {
  return sonde.client.createSession({ kind: 'container', container });
}

function recordingsOf(sonde: TestConsole, sessionId: string): Promise<RecordingInfo[]> {
  return sonde.client.recordings({ sessionId });
}

/** A .cast file's lines: the header, then the events, each checked against the shared schemas. */
function parseCast(cast: string): { header: CastHeader; events: CastEvent[] } {
  const [first, ...rest] = cast.trimEnd().split('\n');
  return { header: checked(CastHeader, JSON.parse(first ?? '')), events: rest.map((line) => checked(CastEvent, JSON.parse(line))) };
}

async function finishedRecording(sonde: TestConsole, sessionId: string): Promise<RecordingInfo> {
  const [recording] = await readUntil(
    () => recordingsOf(sonde, sessionId),
    ([found]) => found?.endedAt !== undefined,
    { what: `the recording of session ${sessionId} to finish`, timeoutMs: 15_000 },
  );
  return recording!;
}

/** Session recordings against the real engine: what a session showed plays back in asciinema. */
describe('recordings (real Docker)', () => {
  const fixtures = new DockerFixtures();
  const scratch = mkdtempSync(path.join(tmpdir(), 'sonde-recordings-test-'));
  const mounts: string[] = [];
  const consoles: TestConsole[] = [];
  let web: { id: string; name: string };

  async function consoleWithSmallDisk(size: string, env: Record<string, string> = {}): Promise<{ sonde: TestConsole; recordingsDir: string }> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-test-'));
    const recordingsDir = path.join(dataDir, 'recordings');
    await mountSmallDisk(recordingsDir, size);
    mounts.push(recordingsDir);
    const sonde = await startConsole({ SONDE_DATA_DIR: dataDir, ...env });
    consoles.push(sonde);
    return { sonde, recordingsDir };
  }

  beforeAll(async () => {
    web = await fixtures.container();
  });

  afterAll(async () => {
    for (const sonde of consoles) await sonde.close().catch(() => undefined);
    for (const dir of mounts) {
      await unmount(dir);
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
    rmSync(scratch, { recursive: true, force: true });
    await fixtures.dispose();
  });

  it('a session is recorded as a cast that asciinema plays, with its resizes and who typed what', async () => {
    const sonde = await startConsole();
    consoles.push(sonde);
    const info = await openSession(sonde, web.name);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    term.resize(100, 30);
    // stty reports the pty size once the resize reached it.
    await expect.poll(async () => (await term.run('stty size')).trim(), { timeout: 10_000 }).toBe('30 100');
    term.send('echo sonde-rec-$((6*7))\r');
    await term.waitFor(/sonde-rec-42/);
    term.send('exit\r');
    await term.waitClosed();

    const recording = await finishedRecording(sonde, info.id);
    expect(recording).toMatchObject({ sessionId: info.id, target: `container ${web.name}`, complete: true });
    expect(recording.error).toBeUndefined();
    expect(recording.bytes).toBeGreaterThan(0);
    expect(Date.parse(recording.endedAt!)).toBeGreaterThanOrEqual(Date.parse(recording.startedAt));

    const listed = await sonde.client.recordings();
    expect(listed.map((r) => r.id)).toContain(recording.id);
    expect(await sonde.client.recording(recording.id)).toEqual(recording);

    // The download as a browser gets it: its type and file name are in the headers.
    const download = await fetch(`${sonde.baseUrl}/api/recordings/${recording.id}/cast`, { headers: sonde.auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/x-asciicast');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="sonde-${info.id}.cast"`);
    const cast = await download.text();
    expect(await sonde.client.recordingCast(recording.id)).toBe(cast);
    expect(Buffer.byteLength(cast)).toBe(recording.bytes);
    const file = path.join(scratch, `${recording.id}.cast`);
    writeFileSync(file, cast);
    expect(await asciinemaCat(file)).toContain('sonde-rec-42');

    const { header, events } = parseCast(cast);
    // The header has the pty size the session started with; the client's resize is an "r" event.
    expect(header).toMatchObject({ version: 2, width: 80, height: 24, env: { TERM: 'xterm-256color' } });
    expect(events).toContainEqual([expect.any(Number), 'r', '100x30']);
    const times = events.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // The input trail: JSON lines {t, participant, name, data} (a file like the cast; no shared schema).
    const typed = (await sonde.client.recordingInput(recording.id))
      .trimEnd()
      .split('\n')
      .map((line): unknown => JSON.parse(line));
    expect(typed).toContainEqual({ t: expect.any(Number), participant: expect.any(String), name: expect.any(String), data: expect.stringContaining('echo sonde-rec-') });
    // The cast has the screen, never the keystrokes as such: input is only in the trail.
    expect(cast).not.toContain('"i"');
  });

  it('a binary-heavy session: the cast decodes to exactly the output the terminal received, and asciinema plays it', async () => {
    const sonde = consoles[0]!;
    const info = await openSession(sonde, web.name);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    // Random bytes (invalid UTF-8, stray escapes), characters split wherever chunks end, colours.
    term.send(
      "head -c 400000 /dev/urandom; printf '\\n\\342\\206\\222 \\360\\237\\230\\200 \\033[31mred\\033[0m \\342\\206'; echo; echo bin-$((6*7))-done\r",
    );
    await term.waitFor(/bin-42-done/, 30_000);
    term.send('exit\r');
    await term.waitClosed();

    const recording = await finishedRecording(sonde, info.id);
    expect(recording).toMatchObject({ complete: true });
    const cast = await sonde.client.recordingCast(recording.id);
    expect(Buffer.byteLength(cast)).toBe(recording.bytes);
    const { header, events } = parseCast(cast);
    expect(header).toMatchObject({ version: 2 });
    const output = events.filter((e) => e[1] === 'o');
    // Several chunks, so some characters were split at their edges.
    expect(output.length).toBeGreaterThan(3);
    const decoder = new StringDecoder('utf8');
    const received = decoder.write(term.bytes()) + decoder.end();
    expect(term.bytes().length).toBeGreaterThan(400_000);
    // Byte for byte after the same UTF-8 decoding (compared as buffers: a diff of 400 KB of noise is no help).
    expect(Buffer.from(output.map((e) => e[2]).join('')).equals(Buffer.from(received))).toBe(true);
    expect(received).toContain('→ 😀 \u001b[31mred\u001b[0m \ufffd');
    const times = events.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const file = path.join(scratch, 'binary.cast');
    writeFileSync(file, cast);
    expect(await asciinemaCat(file)).toContain('bin-42-done');
  });

  it('unknown recordings are 404 RECORDING_NOT_FOUND, malformed ids 400', async () => {
    const sonde = consoles[0]!;
    const unknown = 'f'.repeat(32);
    await expect(sonde.client.recording(unknown)).rejects.toMatchObject({ status: 404, code: 'RECORDING_NOT_FOUND' });
    await expect(sonde.client.recordingCast(unknown)).rejects.toMatchObject({ status: 404, code: 'RECORDING_NOT_FOUND' });
    await expect(sonde.client.recordingInput(unknown)).rejects.toMatchObject({ status: 404, code: 'RECORDING_NOT_FOUND' });
    expect(await refusal(sonde.client.recording('not-an-id'))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusal(sonde.client.recording('F'.repeat(32)))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusal(sonde.client.recordings({ sessionId: 'x' }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const anonymous = await fetch(`${sonde.baseUrl}/api/recordings`);
    expect(anonymous.status).toBe(401);
  });

  it('a full disk: the session keeps working, participants are warned, the recording is incomplete and still plays', async () => {
    const { sonde } = await consoleWithSmallDisk('256k');
    const info = await openSession(sonde, web.name);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth, { keepBytes: 64 * 1024 });
    term.send('head -c 2000000 /dev/urandom | base64; echo flood-$((1+1))-done\r');
    await term.waitFor(/flood-2-done/, 60_000);
    term.send('echo still-$((3*3))-alive\r');
    await term.waitFor(/still-9-alive/);
    // A worker thread writes the cast, so the warning may come a moment after the output that filled the disk.
    await expect.poll(() => term.controlsOf('notice').some((n) => n.level === 'warning'), { timeout: 15_000 }).toBe(true);
    const warnings = term.controlsOf('notice').filter((n) => n.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/Recording stopped: the disk is full/);

    const [live] = await recordingsOf(sonde, info.id);
    expect(live).toMatchObject({ complete: false, error: expect.stringMatching(/disk is full/) });
    term.send('exit\r');
    await term.waitClosed();
    const recording = await finishedRecording(sonde, info.id);
    expect(recording).toMatchObject({ complete: false, error: expect.stringMatching(/disk is full/) });
    expect(recording.bytes).toBeGreaterThan(0);
    expect(recording.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(sonde.app.audit.list({ sessionId: info.id }).filter((e) => e.action === 'recording-failed')).toHaveLength(1);

    // What was written before the disk filled is whole lines: a valid, shorter cast.
    const cast = await sonde.client.recordingCast(recording.id);
    expect(cast.endsWith('\n')).toBe(true);
    const file = path.join(scratch, 'partial.cast');
    writeFileSync(file, cast);
    await asciinemaCat(file);
  });

  it('refuse mode: no new sessions while recordings cannot be written (507 RECORDING_UNAVAILABLE)', async () => {
    const { sonde, recordingsDir } = await consoleWithSmallDisk('4m', { SONDE_RECORDING_FAILURE: 'refuse' });
    const filler = path.join(recordingsDir, 'filler');
    await run('sh', ['-c', `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; true`]);
    await expect(openSession(sonde, web.name)).rejects.toMatchObject({ status: 507, code: 'RECORDING_UNAVAILABLE', message: expect.stringMatching(/disk is full/) });

    rmSync(filler);
    const info = await openSession(sonde, web.name);
    await sonde.client.endSession(info.id);
  });
});
