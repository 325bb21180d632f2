import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ToolboxSpec } from '../src/engine/types.js';
import { RawPipe, SondePipe, firstData, marker, waitForMarker, type TerminalPipe } from './pipes.js';
import { startRawToolbox, type RawShell, type RawToolbox } from './raw-toolbox.js';
import { nowMs, sleep } from './stats.js';

/**
 * A shell that floods, read at full speed by a process of its own (as another browser tab
 * would be), so the process measuring echo latency does not also carry the flood.
 * The parent drives it with `FloodSink`; run as a script, this module is the child.
 */

export const FLOOD_LINE = 'The quick brown fox jumps over the lazy dog. 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklm';
export const FLOOD_FILE_BYTES = 32 * 1024 * 1024;
export const FLOOD_LOOP = 'while :; do cat /tmp/flood.txt; done';

type Open = { kind: 'raw'; spec: ToolboxSpec; shell: RawShell } | { kind: 'sonde'; url: string; headers: Record<string, string> };
type Request = { op: 'open'; open: Open } | { op: 'start' } | { op: 'stop' } | { op: 'close' };
type Reply = { ok: true; mbPerSecond?: number } | { ok: false; error: string };

export class FloodSink {
  private constructor(private readonly child: ChildProcess) {}

  static async open(open: Open): Promise<FloodSink> {
    const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sink = new FloodSink(child);
    try {
      await sink.call({ op: 'open', open });
    } catch (error) {
      // Half open (the shell never answered): its container and process go now, not at exit.
      await sink.close();
      throw error;
    }
    return sink;
  }

  private call(request: Request): Promise<Reply & { ok: true }> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (reply: Reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))));
      this.child.send(request);
    });
  }

  /** Starts the flood and resolves once 4 MB arrived. */
  async start(): Promise<void> {
    await this.call({ op: 'start' });
  }

  /** Ctrl-C; resolves with the flood rate since start, once the shell is back. */
  async stop(): Promise<number> {
    return (await this.call({ op: 'stop' })).mbPerSecond ?? 0;
  }

  async close(): Promise<void> {
    await this.call({ op: 'close' }).catch(() => undefined);
    this.child.kill();
  }
}

async function child(): Promise<void> {
  let pipe: TerminalPipe | undefined;
  let raw: RawToolbox | undefined;
  let startedAt = 0;
  let startBytes = 0;
  let tail = '';
  const reply = (r: Reply) => process.send!(r);
  // The benchmark ended without closing this sink (interrupted, crashed): stop reading, remove the raw container.
  process.once('disconnect', () => {
    void Promise.resolve(pipe?.close())
      .catch(() => undefined)
      .then(() => raw?.remove())
      .finally(() => process.exit(0));
  });
  process.on('message', async (request: Request) => {
    try {
      switch (request.op) {
        case 'open': {
          if (request.open.kind === 'raw') {
            raw = await startRawToolbox(request.open.spec, request.open.shell);
            pipe = new RawPipe('flood', raw.stream);
            // Its prompt first, then the command, as context.openRaw does.
            await firstData(pipe);
          } else {
            pipe = await SondePipe.connect('flood', request.open.url, request.open.headers);
          }
          const mk = marker('PREP');
          // The last output, for the error when the marker never comes; only until then (the flood must not pay for it).
          const offTail = pipe.onData((chunk) => (tail = (tail + chunk.toString('latin1')).slice(-400)));
          const done = waitForMarker(pipe, mk.text, 120_000).finally(offTail);
          pipe.write(`stty cols 120 rows 40; yes '${FLOOD_LINE}' | head -c ${FLOOD_FILE_BYTES} > /tmp/flood.txt; ${mk.command}\r`);
          await done;
          reply({ ok: true });
          break;
        }
        case 'start': {
          pipe!.write(`${FLOOD_LOOP}\r`);
          const at = pipe!.received;
          while (pipe!.received < at + 4 * 1024 * 1024) await sleep(20);
          startedAt = nowMs();
          startBytes = pipe!.received;
          reply({ ok: true });
          break;
        }
        case 'stop': {
          const mbPerSecond = (pipe!.received - startBytes) / 1e6 / ((nowMs() - startedAt) / 1000);
          const mk = marker(`STOP${Date.now()}`);
          const done = waitForMarker(pipe!, mk.text, 60_000);
          pipe!.write('\x03');
          pipe!.write(`${mk.command}\r`);
          await done;
          reply({ ok: true, mbPerSecond });
          break;
        }
        case 'close': {
          await pipe?.close();
          await raw?.remove();
          reply({ ok: true });
          process.exit(0);
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const which = pipe instanceof SondePipe ? 'through Sonde' : 'raw';
      reply({ ok: false, error: `${which} flood: ${tail ? `${message}; its last output: ${JSON.stringify(tail)}` : message}` });
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void child();
