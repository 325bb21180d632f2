import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  PcapReader,
  decodePacket,
  type CaptureEndReason,
  type CaptureInfo,
  type CaptureLimits,
  type PacketLine,
  type ResolvedTarget,
} from '@sonde/shared';
import type { StreamingToolbox } from '../engine/types.js';
import { livesIn } from '../toolboxes/workload.js';

/**
 * One packet capture: tcpdump in a toolbox writing pcap to stdout, copied record by record
 * into a file (only whole records, so the file is valid whenever it is read or however the
 * toolbox dies), counted, decoded into one-line summaries, and served to any number of
 * readers that tail the file until the capture ends.
 */

/** Decoded lines kept for a viewer that connects late (the live view shows at most this many). */
export const RECENT_LINES = 500;
/** Most of tcpdump's stderr kept (it says little: "listening on", an error, a summary). */
const STDERR_BYTES = 8 * 1024;
/** How long tcpdump's output may take to drain after its toolbox was removed. */
const DRAIN_MS = 5000;
const READ_CHUNK_BYTES = 64 * 1024;

export interface PacketCaptureOptions {
  id: string;
  /** Who started it: only they and admins may see, follow, download or stop it. */
  owner: { id: string; name: string };
  target: ResolvedTarget;
  interface: string;
  filter: string;
  limits: CaptureLimits;
  argv: string[];
  image: string;
  stopWhenUnwatched: boolean;
  /** With stopWhenUnwatched: how long the last viewer may be gone (a reload) before the capture ends. */
  unwatchedGraceMs: number;
  toolbox: StreamingToolbox;
  file: FileHandle;
  path: string;
  removeContainer(id: string): Promise<void>;
  onEnded(capture: PacketCapture): void;
}

export class PacketCapture {
  readonly id: string;
  readonly path: string;
  readonly startedAt = new Date();
  endedAt: Date | undefined;
  endReason: CaptureEndReason | undefined;
  packets = 0;
  /** Bytes in the file, written and readable. */
  fileBytes = 0;
  linkType: number | undefined;
  fileAvailable = true;

  private readonly reader = new PcapReader();
  private readonly events = new EventEmitter();
  private readonly recent: PacketLine[] = [];
  private stderr = '';
  /** Bytes handed to the file (written or queued): what the byte limit counts. */
  private acceptedBytes = 0;
  private accepting = true;
  private writes: Promise<void> = Promise.resolve();
  private ending: Promise<void> | undefined;
  private stdoutEnded: Promise<void>;
  private limitTimer: NodeJS.Timeout;
  private unwatchedTimer: NodeJS.Timeout | undefined;
  private watchers = 0;
  private listening = false;

  constructor(private readonly options: PacketCaptureOptions) {
    this.id = options.id;
    this.path = options.path;
    this.events.setMaxListeners(0);
    const { stdout, stderr } = options.toolbox;
    this.stdoutEnded = new Promise((resolve) => {
      stdout.once('end', resolve);
      stdout.once('close', resolve);
      stdout.once('error', resolve);
    });
    stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_BYTES);
      if (!this.listening && /listening on/.test(this.stderr)) {
        this.listening = true;
        this.events.emit('listening');
      }
    });
    // tcpdump ending by itself (its packet count, an error, its namespace gone) ends the capture.
    void this.stdoutEnded.then(() => this.end(this.packets >= options.limits.packets ? 'packets' : this.failure() ? 'failed' : 'exited'));
    this.limitTimer = setTimeout(() => void this.end('seconds'), options.limits.seconds * 1000);
    this.limitTimer.unref();
    if (options.stopWhenUnwatched) this.armUnwatched();
  }

  get state(): 'running' | 'ended' {
    return this.endedAt ? 'ended' : 'running';
  }

  /** Resolves true once tcpdump says it is listening (packets from then on are captured), false if it ended first or took too long. */
  whenListening(timeoutMs: number): Promise<boolean> {
    if (this.listening) return Promise.resolve(true);
    if (this.ending) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.events.off('listening', yes);
        this.events.off('ending', no);
        resolve(ok);
      };
      const yes = () => done(true);
      const no = () => done(false);
      this.events.once('listening', yes);
      this.events.once('ending', no);
    });
  }

  /** tcpdump's own error message, when it reported one. */
  failure(): string | undefined {
    const lines = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^tcpdump: listening on|packets? (captured|received by filter|dropped by kernel)|^tcpdump: data link type/.test(l));
    return lines.length > 0 ? lines.join(' / ').slice(0, 500) : undefined;
  }

  private onData(chunk: Buffer): void {
    if (!this.accepting) return;
    let parsed;
    try {
      parsed = this.reader.push(chunk);
    } catch {
      // Not pcap (an image whose tcpdump printed text): keep what is valid, stop.
      this.accepting = false;
      void this.end('failed');
      return;
    }
    if (parsed.header) {
      this.linkType = parsed.header.linkType;
      this.write(parsed.header.raw);
    }
    for (const record of parsed.records) {
      if (this.acceptedBytes + record.raw.length > this.options.limits.bytes) {
        this.accepting = false;
        void this.end('bytes');
        return;
      }
      this.packets += 1;
      this.write(record.raw);
      const line = decodePacket(this.linkType ?? 1, record.data, { number: this.packets, time: record.time, length: record.originalLength });
      this.recent.push(line);
      if (this.recent.length > RECENT_LINES) this.recent.shift();
      this.events.emit('line', line);
    }
  }

  private write(bytes: Uint8Array): void {
    const copy = Buffer.from(bytes);
    this.acceptedBytes += copy.length;
    this.writes = this.writes.then(async () => {
      await this.options.file.write(copy);
      this.fileBytes += copy.length;
      this.events.emit('grew');
    });
  }

  /** True until it has ended (its file complete, its toolbox removed). */
  get running(): boolean {
    return this.state === 'running';
  }

  get toolboxIds(): readonly string[] {
    return [this.options.toolbox.id];
  }

  /**
   * Ends the capture; resolves once the toolbox is removed and the file is complete. Idempotent.
   * `deleted` (a person asked) reads `stopped` on the wire, as it always has.
   */
  end(reason: CaptureEndReason | 'deleted'): Promise<void> {
    if (!this.ending) {
      this.endReason = reason === 'deleted' ? 'stopped' : reason;
      this.events.emit('ending');
      this.ending = this.teardown();
    }
    return this.ending;
  }

  private async teardown(): Promise<void> {
    clearTimeout(this.limitTimer);
    clearTimeout(this.unwatchedTimer);
    await this.options.removeContainer(this.options.toolbox.id).catch(() => undefined);
    // What tcpdump wrote before it was killed is still in the pipe: keep it.
    await Promise.race([this.stdoutEnded, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    this.accepting = false;
    await this.writes.catch(() => undefined);
    await this.options.file.close().catch(() => undefined);
    this.endedAt = new Date();
    this.events.emit('ended');
    this.options.onEnded(this);
  }

  /** Lines decoded so far (the most recent RECENT_LINES). */
  recentLines(): PacketLine[] {
    return [...this.recent];
  }

  onLine(listener: (line: PacketLine) => void): () => void {
    this.events.on('line', listener);
    return () => this.events.off('line', listener);
  }

  onEnded(listener: () => void): () => void {
    if (this.endedAt) {
      queueMicrotask(listener);
      return () => undefined;
    }
    this.events.once('ended', listener);
    return () => this.events.off('ended', listener);
  }

  /** Counts a viewer (pcap stream or events feed); call the returned function when it leaves. */
  watch(): () => void {
    this.watchers += 1;
    clearTimeout(this.unwatchedTimer);
    this.unwatchedTimer = undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.watchers -= 1;
      if (this.watchers === 0 && this.options.stopWhenUnwatched) this.armUnwatched();
    };
  }

  /** A capture nobody watches ends after the grace (also one nobody ever connected to). */
  private armUnwatched(): void {
    if (this.ending) return;
    clearTimeout(this.unwatchedTimer);
    this.unwatchedTimer = setTimeout(() => void this.end('unwatched'), this.options.unwatchedGraceMs);
    this.unwatchedTimer.unref();
  }

  /**
   * The file from its first byte, following it while the capture runs and ending with it:
   * a valid pcap stream at every moment. Each reader has its own file handle and offset.
   */
  openPcapStream(): Readable {
    const capture = this;
    async function* tail(): AsyncGenerator<Buffer> {
      const handle = await open(capture.path, 'r');
      try {
        let offset = 0;
        for (;;) {
          const available = capture.fileBytes;
          if (offset < available) {
            const size = Math.min(READ_CHUNK_BYTES, available - offset);
            const buffer = Buffer.alloc(size);
            const { bytesRead } = await handle.read(buffer, 0, size, offset);
            if (bytesRead === 0) return;
            offset += bytesRead;
            yield buffer.subarray(0, bytesRead);
            continue;
          }
          if (capture.endedAt) return;
          await capture.nextGrowth();
        }
      } finally {
        await handle.close();
      }
    }
    return Readable.from(tail(), { objectMode: false });
  }

  private nextGrowth(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.events.off('grew', done);
        this.events.off('ended', done);
        resolve();
      };
      this.events.once('grew', done);
      this.events.once('ended', done);
    });
  }

  info(): CaptureInfo {
    const o = this.options;
    const failure = this.endReason === 'failed' ? this.failure() : undefined;
    return {
      id: this.id,
      owner: { ...o.owner },
      target: o.target,
      interface: o.interface,
      filter: o.filter,
      limits: o.limits,
      stopWhenUnwatched: o.stopWhenUnwatched,
      argv: o.argv,
      state: this.state,
      packets: this.packets,
      bytes: this.fileBytes,
      ...(this.linkType !== undefined ? { linkType: this.linkType } : {}),
      startedAt: this.startedAt.toISOString(),
      ...(this.endedAt ? { endedAt: this.endedAt.toISOString() } : {}),
      ...(this.endedAt && this.endReason ? { endReason: this.endReason } : {}),
      ...(failure ? { error: failure } : {}),
      fileAvailable: this.fileAvailable,
      toolbox: { containerId: o.toolbox.id, image: o.image },
      pcapPath: `/api/captures/${this.id}/pcap`,
      eventsPath: `/api/captures/${this.id}/events`,
    };
  }

  get owner(): { id: string; name: string } {
    return this.options.owner;
  }

  get target(): ResolvedTarget {
    return this.options.target;
  }

  /** Whether the capture runs in (or on) this container or pod. */
  dependsOn(engine: string, objectId: string): boolean {
    const t = this.options.target;
    return t.engine === engine && livesIn(t) === objectId;
  }

  usesEngine(engine: string): boolean {
    return this.options.target.engine === engine;
  }

  /** Ends it because access to it ended; followers read the reason in its end state. */
  revoke(reason: 'access-revoked' | 'policy'): void {
    void this.end(reason);
  }
}
