import { NotificationListener, type BackgroundWorker, type Logger } from '@saga/shared';

/**
 * Wakes the event streams' readers when saga changes commit: a LISTEN on the journal's
 * channel (its trigger notifies with each insert), debounced, and a periodic tick for
 * what a notification cannot say (the horizon of running transactions moving, a lost
 * LISTEN connection). Readers read the journal themselves; the hub only says when.
 */
export class SagaEventHub implements BackgroundWorker {
  private readonly readers = new Set<() => void>();
  private listener: NotificationListener | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly options: { debounceMs: number; tickMs: number; maxReaders: number },
  ) {}

  async start(): Promise<void> {
    this.listener = new NotificationListener(this.databaseUrl, 'saga_events', () => this.wakeSoon(), this.logger);
    await this.listener.start();
    this.tick = setInterval(() => this.wakeAll(), this.options.tickMs);
    this.tick.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.tick);
    clearTimeout(this.debounce);
    this.readers.clear();
    await this.listener?.stop();
  }

  /** Registers a reader to wake; undefined when there are already as many as allowed. Returns how to unregister. */
  subscribe(wake: () => void): (() => void) | undefined {
    if (this.readers.size >= this.options.maxReaders) return undefined;
    this.readers.add(wake);
    return () => this.readers.delete(wake);
  }

  private wakeSoon(): void {
    this.debounce ??= setTimeout(() => {
      this.debounce = undefined;
      this.wakeAll();
    }, this.options.debounceMs);
  }

  private wakeAll(): void {
    for (const wake of this.readers) wake();
  }
}
