import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { compile } from './statement';
import { backoffMs } from '../backoff';
import type { Logger } from '../logging';

/**
 * LISTENs on a channel over a dedicated connection that heals itself: when it drops,
 * it reconnects with backoff and calls `onNotify` once without a payload (notifications
 * sent while it was away are lost, so the listener's owner should look for all work then).
 */
export class NotificationListener {
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: (payload?: string) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => this.onNotify(message.payload || undefined));
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      if (!this.stopped) this.retry(1);
    });
    await client.connect();
    await client.query(compile(sql`listen ${sql.identifier(this.channel)}`));
    this.client = client;
    this.onNotify();
  }

  private retry(attempt: number): void {
    this.timer = setTimeout(() => {
      this.connect().then(
        () => this.logger.info({ channel: this.channel }, 'listening again'),
        (error: unknown) => {
          this.logger.debug({ err: error, attempt }, 'listen connection failed; retrying');
          if (!this.stopped) this.retry(attempt + 1);
        },
      );
    }, backoffMs(attempt));
  }
}
