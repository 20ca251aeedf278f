/** Chunks published but not yet acknowledged, per job (the producer still sends them in order). */
export const PUBLISH_WINDOW = 4;

/**
 * At most `size` publishes in flight: `add` waits for the oldest once the window is full, and
 * `drain` for all of them. The first failure is thrown by the next `add` or `drain`.
 */
export class PublishWindow {
  private readonly inFlight: Promise<void>[] = [];

  constructor(private readonly size: number) {}

  async add(publish: Promise<void>): Promise<void> {
    // Observed at once, so a rejection waiting its turn is never reported as unhandled.
    publish.catch(() => undefined);
    this.inFlight.push(publish);
    while (this.inFlight.length >= this.size) await this.inFlight.shift();
  }

  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }
}

/**
 * The unbroken run of acknowledged chunks of a sheet: chunks below `upTo` are all acknowledged.
 * Acknowledgements may come out of order; the watermark never covers one still in flight.
 */
export class AckWatermark {
  private readonly acked = new Set<number>();

  constructor(private next: number) {}

  get upTo(): number {
    return this.next;
  }

  ack(chunk: number): void {
    this.acked.add(chunk);
    while (this.acked.delete(this.next)) this.next++;
  }
}
