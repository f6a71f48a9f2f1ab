import type { ChannelModel } from 'amqplib';
import type { Logger } from '../logging';
import { backoffMs } from '../backoff';
import { brokerUrls, connectToBroker, redactBrokerUrls } from '../broker/addresses';

type SetupStep = (connection: ChannelModel) => Promise<void>;

export interface AmqpClientOptions {
  /** One broker address, or several comma-separated (the nodes of a cluster): see connectToBroker. */
  url: string;
  name: string;
  logger: Logger;
  /** Longest pause between reconnection attempts. */
  maxReconnectDelayMs?: number;
}

/** The broker user an AMQP URL (or the first of a list) connects as: amqplib's default, guest, when it names none. */
export function brokerUserOf(url: string): string {
  try {
    return decodeURIComponent(new URL(brokerUrls(url)[0] ?? url).username) || 'guest';
  } catch {
    return 'guest';
  }
}

/**
 * One broker connection per process that heals itself: when the connection drops,
 * it reconnects with backoff and runs every registered setup step again
 * (topology, publisher channel, consumers), so callers never hold a dead channel.
 * Given several addresses, it fails over: a reconnection tries the address after the
 * one that was lost first, and every other before backing off.
 */
export class AmqpClient {
  private connection: ChannelModel | undefined;
  private readonly setupSteps: SetupStep[] = [];
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Which address of the list to try first: the one connected to, or the next after a loss. */
  private preferred = 0;
  /** host:port of the address connected to (never its credentials). */
  private connectedTo: string | undefined;
  /** open() is running the setup steps of a new connection. */
  private settingUp = false;

  constructor(private readonly options: AmqpClientOptions) {}

  /** The broker user this client connects as (amqplib's default, guest, when the URL names none): the user-id of what it publishes. */
  get user(): string {
    return brokerUserOf(this.options.url);
  }

  get isConnected(): boolean {
    return this.connection !== undefined;
  }

  /** The broker node connected to now (host:port), if any. */
  get address(): string | undefined {
    return this.connection ? this.connectedTo : undefined;
  }

  /** Connects once; fails with a message naming the URL when the broker cannot be reached. */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      throw new Error(
        `Cannot reach RabbitMQ at ${redactBrokerUrls(this.options.url)} (${(error as Error).message}); set AMQP_URL to point elsewhere`,
      );
    }
  }

  /** Registers a step that runs now if connected, and again after every reconnect. */
  async onConnected(step: SetupStep): Promise<void> {
    this.setupSteps.push(step);
    if (this.connection) await step(this.connection);
  }

  current(): ChannelModel {
    if (!this.connection) throw new Error('broker connection is down');
    return this.connection;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const urls = brokerUrls(this.options.url);
    const { connection, index } = await connectToBroker(
      this.options.url,
      { noDelay: true, clientProperties: { connection_name: this.options.name } },
      this.preferred,
    );
    connection.on('error', (error: Error) => this.options.logger.warn({ err: error }, 'broker connection error'));
    connection.on('close', () => this.lost(connection));
    this.preferred = index;
    this.connectedTo = new URL(urls[index]!).host;
    this.connection = connection;
    this.settingUp = true;
    try {
      for (const step of this.setupSteps) await step(connection);
      // Lost while its setup ran (lost() left the reconnecting to us): fail, so our caller retries.
      if (this.connection !== connection) throw new Error('broker connection lost while setting it up');
    } catch (error) {
      this.connection = undefined;
      this.preferred = (index + 1) % urls.length; // this node took the connection but not the setup: try another first
      await connection.close().catch(() => undefined);
      throw error;
    } finally {
      this.settingUp = false;
    }
    if (urls.length > 1) this.options.logger.info({ broker: this.connectedTo }, 'connected to broker node');
  }

  private lost(connection: ChannelModel): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    if (this.closing) return;
    this.preferred = (this.preferred + 1) % brokerUrls(this.options.url).length;
    this.options.logger.warn({ broker: this.connectedTo }, 'broker connection lost; reconnecting');
    // A connection lost during its own setup makes open() fail, and open()'s caller reconnects:
    // one reconnection loop at a time, never two.
    if (!this.settingUp) this.scheduleReconnect(1);
  }

  private scheduleReconnect(attempt: number): void {
    clearTimeout(this.reconnectTimer);
    const delay = backoffMs(attempt, this.options.maxReconnectDelayMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.open().then(
        () => this.options.logger.info({ attempt }, 'broker connection restored'),
        (error: Error) => {
          this.options.logger.warn({ err: error, attempt }, 'broker reconnect failed');
          if (!this.closing) this.scheduleReconnect(attempt + 1);
        },
      );
    }, delay);
  }
}
