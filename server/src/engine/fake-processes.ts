import { Duplex, PassThrough } from 'node:stream';

/**
 * What runs inside the fake engine's toolboxes (fake-engine.ts): the process side of a TTY
 * attach stream, the two pipes of a toolbox without a TTY, a tiny line shell, and pcap bytes.
 * Tests script these instead of a real image's programs; nothing here touches Docker.
 */

/**
 * The process end of a TTY toolbox. What it prints reaches Sonde through `stream` (the
 * RunningToolbox's attach stream); what Sonde writes to `stream` is typed into it.
 */
export class FakePty {
  /** The attach connection as Sonde sees it: raw TTY bytes both ways. */
  readonly stream: Duplex;
  /** Every size the engine was asked for, in order. */
  readonly sizes: { cols: number; rows: number }[] = [];
  private readonly inputListeners = new Set<(data: Buffer) => void>();
  private readonly typedChunks: Buffer[] = [];
  private code: number | undefined;

  /** `exited` tells the engine first, so an exit code is there by the time the stream ends. */
  constructor(private readonly exited: (code: number) => void) {
    this.stream = new Duplex({
      read() {},
      write: (chunk: Buffer | string, _encoding, done) => {
        const data = Buffer.from(chunk);
        this.typedChunks.push(data);
        if (this.running) for (const listener of this.inputListeners) listener(data);
        done();
      },
    });
  }

  get running(): boolean {
    return this.code === undefined;
  }

  get exitCode(): number | undefined {
    return this.code;
  }

  /** Everything Sonde wrote to the process so far (keystrokes, Ctrl-C), as text. */
  typed(): string {
    return Buffer.concat(this.typedChunks).toString('utf8');
  }

  onInput(listener: (data: Buffer) => void): () => void {
    this.inputListeners.add(listener);
    return () => this.inputListeners.delete(listener);
  }

  /** The process prints (nothing once it exited, or once Sonde let the stream go). */
  print(data: string | Buffer): void {
    if (this.running && !this.stream.destroyed) this.stream.push(data);
  }

  /** The process exits with `code`: the attach stream ends after what it printed. */
  exit(code: number): void {
    if (!this.running) return;
    this.code = code;
    this.exited(code);
    if (!this.stream.destroyed) this.stream.push(null);
  }

  /** The attach connection drops (the engine went away); the process itself lives on. */
  disconnect(): void {
    this.stream.destroy();
  }
}

/** The process end of a toolbox without a TTY: stdout and stderr apart and byte-exact. */
export class FakeStreamProcess {
  /** Sonde reads these (StreamingToolbox.stdout and .stderr). */
  readonly stdoutStream = new PassThrough();
  readonly stderrStream = new PassThrough();
  private code: number | undefined;

  constructor(private readonly exited: (code: number) => void) {}

  get running(): boolean {
    return this.code === undefined;
  }

  get exitCode(): number | undefined {
    return this.code;
  }

  stdout(data: string | Buffer): void {
    if (this.running && !this.stdoutStream.writableEnded) this.stdoutStream.write(data);
  }

  stderr(data: string | Buffer): void {
    if (this.running && !this.stderrStream.writableEnded) this.stderrStream.write(data);
  }

  /** The process exits: both pipes end after what it wrote. */
  exit(code: number): void {
    if (!this.running) return;
    this.code = code;
    this.exited(code);
    this.stdoutStream.end();
    this.stderrStream.end();
  }

  /** The attach connection drops (the engine went away): both pipes end, the process lives on. */
  disconnect(): void {
    this.stdoutStream.end();
    this.stderrStream.end();
  }
}

export const FAKE_PROMPT = '$ ';

/**
 * A line "shell" with a pty's echo: typed characters are echoed, Enter runs the line. It knows
 * `echo X` (prints X), `exit [N]` (exits with N, default 0) and nothing else (`sh: x: not found`).
 * Enough for a test to type, see output, and end a session the way a user would.
 */
export function lineShell(pty: FakePty): void {
  let line = '';
  const run = (command: string) => {
    const [name, ...args] = command.trim().split(/\s+/);
    if (!name) return;
    if (name === 'echo') pty.print(`${args.join(' ')}\r\n`);
    else if (name === 'exit') pty.exit(args[0] === undefined ? 0 : /^\d+$/.test(args[0]) ? Number(args[0]) % 256 : 2);
    else pty.print(`sh: ${name}: not found\r\n`);
  };
  pty.print(FAKE_PROMPT);
  pty.onInput((data) => {
    for (const char of data.toString('utf8')) {
      if (!pty.running) return;
      if (char === '\r' || char === '\n') {
        pty.print('\r\n');
        run(line);
        line = '';
        pty.print(FAKE_PROMPT);
      } else if (char === '\x03') {
        pty.print('^C\r\n');
        line = '';
        pty.print(FAKE_PROMPT);
      } else if (char === '\x7f') {
        if (line.length > 0) pty.print('\b \b');
        line = line.slice(0, -1);
      } else {
        line += char;
        pty.print(char);
      }
    }
  });
}

/** Ethernet, as tcpdump reports it in the global header. */
export const LINKTYPE_ETHERNET = 1;

/** A pcap global header (microsecond timestamps, little-endian), as tcpdump -w - writes first. */
export function pcapGlobalHeader(linkType = LINKTYPE_ETHERNET, snapLength = 262_144): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snapLength, 16);
  header.writeUInt32LE(linkType, 20);
  return header;
}

/** One pcap record for `packet` captured at `timeSeconds` (to pair with pcapGlobalHeader). */
export function pcapRecord(packet: Uint8Array, timeSeconds = Date.now() / 1000): Buffer {
  const header = Buffer.alloc(16);
  const seconds = Math.floor(timeSeconds);
  header.writeUInt32LE(seconds, 0);
  header.writeUInt32LE(Math.round((timeSeconds - seconds) * 1e6) % 1e6, 4);
  header.writeUInt32LE(packet.length, 8);
  header.writeUInt32LE(packet.length, 12);
  return Buffer.concat([header, packet]);
}

/**
 * tcpdump as a capture starts it (`tcpdump … -w - -i IFACE …`): the global header on stdout
 * and "listening on" on stderr, then nothing until the test writes records (pcapRecord).
 */
export function fakeTcpdump(proc: FakeStreamProcess, argv: readonly string[]): void {
  const at = argv.indexOf('-i');
  const iface = at >= 0 ? argv[at + 1] : 'eth0';
  proc.stdout(pcapGlobalHeader());
  proc.stderr(`tcpdump: listening on ${iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`);
}
