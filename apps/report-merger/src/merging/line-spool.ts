import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/**
 * Lines appended to a temporary file and read back once, so the problem rows of every sheet can
 * be written after the data sheets without holding them in memory.
 */
export class LineSpool {
  private out: WriteStream | undefined;

  constructor(private readonly path: string) {}

  async write(line: string): Promise<void> {
    this.out ??= createWriteStream(this.path, { flags: 'w' });
    if (!this.out.write(`${line}\n`)) await once(this.out, 'drain');
  }

  async *lines(): AsyncGenerator<string> {
    if (!this.out) return;
    const out = this.out;
    this.out = undefined;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const input = createReadStream(this.path, { encoding: 'utf8' });
    try {
      for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line !== '') yield line;
    } finally {
      input.destroy();
    }
  }

  async dispose(): Promise<void> {
    this.out?.destroy();
    await rm(this.path, { force: true }).catch(() => undefined);
  }
}
