/**
 * One recording's files, written from batches of records (record-batch.ts) in the recording
 * worker: the cast and the input trail. The UTF-8 decoding and JSON escaping that used to run
 * on the session's thread per chunk happen here; the files are what CastWriter and InputTrail
 * wrote before, through the same LineAppender (disk-full rules included), each on its own.
 */
import { CastWriter, InputTrail, type CastHeader } from './cast-writer.js';
import { LineAppender, openNewFile, type OpenAppendTarget } from './line-appender.js';
import { readRecords } from './record-batch.js';

export type RecordingFile = 'cast' | 'input';

export interface RecordingConversionOptions {
  castPath: string;
  inputPath: string;
  header: CastHeader;
  /** Called once per file, on its first write failure, with a sentence for humans; the other file goes on. */
  onFailure(file: RecordingFile, reason: string): void;
  /** Called after each write with the bytes of whole lines in that file. */
  onWritten(file: RecordingFile, bytes: number): void;
  openTarget?: OpenAppendTarget;
}

export class RecordingConversion {
  private readonly cast: LineAppender;
  private readonly input: LineAppender;
  private readonly writer: CastWriter;
  private readonly trail: InputTrail;
  /** Who typed, by the index input records carry. */
  private readonly participants = new Map<number, { id: string; name: string }>();

  constructor(options: RecordingConversionOptions) {
    const file = (name: RecordingFile, path: string, openTarget: OpenAppendTarget) =>
      new LineAppender({ path, openTarget, onFailure: (reason) => options.onFailure(name, reason), onWritten: (bytes) => options.onWritten(name, bytes) });
    const open = options.openTarget ?? openNewFile;
    // The input trail opens first. A keystroke and the output it caused often share a batch; on a
    // nearly full disk the keystroke's line is written before the cast's first write takes the
    // room, as when the trail was written the moment keys arrived (and it is the cast that fails).
    let inputOpened: Promise<unknown> = Promise.resolve();
    this.input = file('input', options.inputPath, (path) => {
      const opening = open(path);
      inputOpened = opening.catch(() => undefined);
      return opening;
    });
    this.cast = file('cast', options.castPath, async (path) => {
      await inputOpened;
      return open(path);
    });
    this.writer = new CastWriter(this.cast, options.header);
    this.trail = new InputTrail(this.input);
  }

  /** Bytes of whole lines on disk. */
  get castBytes(): number {
    return this.cast.bytes;
  }

  get inputBytes(): number {
    return this.input.bytes;
  }

  /** Decodes a packed batch into lines and queues them; a file that failed gets nothing more. */
  apply(batch: Buffer): void {
    const castOpen = this.cast.failed === undefined;
    const inputOpen = this.input.failed === undefined;
    for (const record of readRecords(batch)) {
      switch (record.kind) {
        case 'output':
          if (castOpen) this.writer.output(record.data, record.at);
          break;
        case 'resize':
          if (castOpen) this.writer.resize(record.cols, record.rows, record.at);
          break;
        case 'marker':
          if (castOpen) this.writer.marker(record.label, record.at);
          break;
        case 'participant':
          this.participants.set(record.index, { id: record.id, name: record.name });
          break;
        case 'input': {
          const participant = this.participants.get(record.participant);
          if (!participant) throw new RangeError(`input from participant ${record.participant}, who was never introduced`);
          if (inputOpen) this.trail.record(participant, record.data, record.at);
          break;
        }
        default: {
          const unknown: never = record;
          throw new RangeError(`unknown record ${JSON.stringify(unknown)}`);
        }
      }
    }
  }

  /** Writes a trailing cut-off character, then everything queued, and closes both files. */
  async finish(): Promise<{ castBytes: number; inputBytes: number }> {
    this.writer.end();
    await Promise.all([this.cast.close(), this.input.close()]);
    return { castBytes: this.cast.bytes, inputBytes: this.input.bytes };
  }
}
