import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_FRAME_BYTES } from '@sonde/shared';
import { containersWithLabels } from '../support/docker-fixtures.js';
import { startConsole, type TestConsole } from '../support/test-console.js';
import { TerminalClient, openTerminal } from '../support/terminal-client.js';

/** Hostile, huge or broken input on the terminal socket: validated, bounded, never a crash. */
describe('chaos: what clients send (real Docker)', () => {
  let sonde: TestConsole;

  beforeAll(async () => {
    sonde = await startConsole();
  });

  afterAll(async () => {
    await sonde?.close();
    expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
  });

  const open = (options: { keepBytes?: number } = {}) => openTerminal(sonde, { kind: 'host', engine: 'local' }, options);

  const remove = (id: string): Promise<void> => sonde.client.endSession(id);

  it('a 10 MB paste arrives intact (raw tty, byte count and checksum)', async () => {
    const { info, term } = await open();
    const size = 10 * 1024 * 1024;
    // Every byte value, in a pattern that never repeats within a frame.
    const paste = Buffer.alloc(size);
    for (let i = 0; i < size; i++) paste[i] = (i * 7 + (i >> 12)) & 0xff;
    const expected = createHash('sha256').update(paste).digest('hex');
    // Raw mode and no echo: the line discipline passes every byte through untouched.
    term.send(`stty raw -echo; printf 'READY%s\\n' $((1+1)); head -c ${size} | sha256sum; stty sane\r`);
    await term.waitFor(/READY2/);
    // Split the way the browser splits a paste (frames of at most MAX_INPUT_FRAME_BYTES).
    for (let offset = 0; offset < size; offset += MAX_INPUT_FRAME_BYTES) {
      term.sendRaw(paste.subarray(offset, offset + MAX_INPUT_FRAME_BYTES), true);
    }
    const text = await term.waitFor(/[0-9a-f]{64}\s+-/, 60_000);
    expect(/([0-9a-f]{64})\s+-/.exec(text)![1]).toBe(expected);
    expect(term.controlsOf('error')).toEqual([]);
    expect(await term.run('echo $((6*7))')).toContain('42');
    term.close();
    await remove(info.id);
  });

  it('an oversized WebSocket message closes that socket with 1009; the session and server carry on', async () => {
    const { info, term } = await open();
    await term.run('true');
    term.sendRaw(Buffer.alloc(1024 * 1024 + 1, 0x61), true);
    expect((await term.waitClosed()).code).toBe(1009);

    const textual = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    textual.sendRaw('x'.repeat(2 * 1024 * 1024), false);
    expect((await textual.waitClosed()).code).toBe(1009);

    const again = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    expect(await again.run('echo $((6*7))')).toContain('42');
    expect((await sonde.client.health()).status).toBe('ok');
    again.close();
    await remove(info.id);
  });

  it('malformed and unknown control messages are answered with an error each; sizes and acks are clamped', async () => {
    const { info, term } = await open();
    await term.run('true');
    const bad = [
      'not json',
      '{"type":"nope"}',
      '{"type":"ack"}',
      '{"type":"ack","bytes":-5}',
      '{"type":"ack","bytes":"12"}',
      '{"type":"ack","bytes":1.5}',
      '{"type":"ack","bytes":1e300}',
      '{"type":"resize","cols":"80","rows":24}',
      '{"type":"resize","cols":80}',
      '{"type":"resize","cols":-1,"rows":-1}',
      'null',
      '[]',
      '42',
      '""',
      '{}',
      `{"type":"resize","cols":80,"rows":24,"pad":"${'x'.repeat(5000)}"}`,
    ];
    for (const message of bad) term.sendRaw(message, false);
    await term.waitFor(() => term.controlsOf('error').length >= bad.length);
    expect(term.controlsOf('error')).toHaveLength(bad.length);
    for (const error of term.controlsOf('error')) expect(error.code).toBe('BAD_CONTROL_MESSAGE');

    // Valid but absurd: clamped, never forwarded raw.
    // The resize reaches the pty through a Docker API call, so a command typed right after it
    // can run first: ask until the size shows.
    term.sendRaw('{"type":"resize","cols":100000,"rows":100000}', false);
    await expect.poll(async () => (await term.run('stty size')).trim(), { timeout: 10_000 }).toBe('500 1000');
    term.sendRaw('{"type":"resize","cols":0,"rows":0}', false);
    await expect.poll(async () => (await term.run('stty size')).trim(), { timeout: 10_000 }).toBe('1 2');
    term.resize(120, 40);
    // An ack for far more than was sent is clamped; flow control keeps working.
    term.sendRaw('{"type":"ack","bytes":1073741824}', false);
    // A prototype key is just an extra property of a valid message.
    term.sendRaw('{"type":"ack","bytes":0,"__proto__":{"polluted":true}}', false);
    expect((await term.run('head -c 3000000 /dev/zero | tr "\\0" a | wc -c')).trim()).toBe('3000000');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(term.controlsOf('error')).toHaveLength(bad.length);
    expect(term.closed).toBeUndefined();
    term.close();
    await remove(info.id);
  });

  it('Ctrl-C during a `yes` flood reaches the shell and the prompt comes back', async () => {
    const { info, term } = await open({ keepBytes: 16 * 1024 });
    term.send('yes\r');
    // `yes` writes two-byte lines, which the tty path carries at only a few MB/s.
    await term.waitForBytes(2 * 1024 * 1024, 30_000);
    term.send('\x03');
    term.send('echo after-$((40+2))\r');
    await term.waitFor(/after-42/, 30_000);
    expect(term.controlsOf('error')).toEqual([]);
    expect(term.closed).toBeUndefined();
    term.close();
    await remove(info.id);
  });
});
