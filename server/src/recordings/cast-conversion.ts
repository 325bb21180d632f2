/**
 * One recording's cast, written from batches of records (record-batch.ts) in the cast worker:
 * the UTF-8 decoding and JSON escaping that used to run on the session's thread per chunk.
 * The file is what CastWriter made before, through the same LineAppender (disk-full rules included).
 */
import { CastWriter, type CastHeader } from './cast-writer.js';
import { LineAppender, type OpenAppendTarget } from './line-appender.js';
import { readRecords } from './record-batch.js';

export interface CastConversionOptions {
  path: string;
  header: CastHeader;
  /** Called once, on the first write failure, with a sentence for humans. */
  onFailure(reason: string): void;
  /** Called after each write with the bytes of whole lines on disk. */
  onWritten(bytes: number): void;
  openTarget?: OpenAppendTarget;
  maxPendingBytes?: number;
}

export class CastConversion {
  private readonly file: LineAppender;
  private readonly writer: CastWriter;

  constructor(options: CastConversionOptions) {
    this.file = new LineAppender({
      path: options.path,
      onFailure: options.onFailure,
      onWritten: options.onWritten,
      ...(options.openTarget ? { openTarget: options.openTarget } : {}),
      ...(options.maxPendingBytes !== undefined ? { maxPendingBytes: options.maxPendingBytes } : {}),
    });
    this.writer = new CastWriter(this.file, options.header);
  }

  /** Bytes of whole lines on disk. */
  get bytes(): number {
    return this.file.bytes;
  }

  /** Decodes a packed batch into cast lines and queues them for the file; nothing once writing failed. */
  apply(batch: Buffer): void {
    if (this.file.failed !== undefined) return;
    for (const record of readRecords(batch)) {
      if (record.kind === 'output') this.writer.output(record.data, record.at);
      else this.writer.resize(record.cols, record.rows, record.at);
    }
  }

  /** Writes a trailing cut-off character, then everything queued, and closes the file; resolves with its bytes. */
  async finish(): Promise<number> {
    this.writer.end();
    await this.file.close();
    return this.file.bytes;
  }
}
