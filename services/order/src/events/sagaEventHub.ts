import { NotificationListener, type BackgroundWorker, type Logger } from '@saga/shared';

/** A stream reader: wake it to read what is new; `orderId` when it follows one order only. */
interface Reader {
  wake(): void;
  orderId?: string;
}

/**
 * Wakes the event streams' readers when saga changes commit: a LISTEN on the journal's
 * channel (its trigger notifies with the order id of each row), debounced. A reader of one
 * order is woken only for that order; readers of all sagas for every change, and by a
 * periodic tick too, for what no notification says (the horizon of running transactions
 * moving). A lost LISTEN connection wakes everyone once it is back. Readers read the
 * journal themselves; the hub only says when.
 */
export class SagaEventHub implements BackgroundWorker {
  private readonly readers = new Set<Reader>();
  private listener: NotificationListener | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  /** What changed since the last wake-up: order ids, or everything. */
  private pending: Set<string> | 'all' = new Set();

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly options: { debounceMs: number; tickMs: number; maxReaders: number },
  ) {}

  async start(): Promise<void> {
    this.listener = new NotificationListener(this.databaseUrl, 'saga_events', (orderId) => this.changed(orderId), this.logger);
    await this.listener.start();
    this.tick = setInterval(() => this.wake((reader) => reader.orderId === undefined), this.options.tickMs);
    this.tick.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.tick);
    clearTimeout(this.debounce);
    this.readers.clear();
    await this.listener?.stop();
  }

  /** Registers a reader; undefined when there are already as many as allowed. Returns how to unregister. */
  subscribe(reader: Reader): (() => void) | undefined {
    if (this.readers.size >= this.options.maxReaders) return undefined;
    this.readers.add(reader);
    return () => this.readers.delete(reader);
  }

  private changed(orderId: string | undefined): void {
    if (orderId === undefined) this.pending = 'all';
    else if (this.pending !== 'all') this.pending.add(orderId);
    this.debounce ??= setTimeout(() => {
      this.debounce = undefined;
      const changed = this.pending;
      this.pending = new Set();
      this.wake((reader) => changed === 'all' || reader.orderId === undefined || changed.has(reader.orderId));
    }, this.options.debounceMs);
  }

  private wake(which: (reader: Reader) => boolean): void {
    for (const reader of this.readers) if (which(reader)) reader.wake();
  }
}
