import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  userAgent: string | undefined;
  contentType: string | undefined;
  body: string;
  payload: { type: string; timestamp: string; data: { orderId: string; step?: string; [key: string]: unknown } };
}

/** What the receiver answers the `n`-th request (0-based): a status (and headers), or 'hold' (no answer until released). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

/**
 * A webhook subscriber on 127.0.0.1: records every request, answers as `answer` says.
 * Held requests stay open until `release()`, which answers them (and later ones) 200.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private held: http.ServerResponse[] = [];
  private released = false;

  private readonly server: http.Server;

  private constructor(private answer: (n: number, request: Received) => Answer) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  static async start(answer: (n: number, request: Received) => Answer = () => ({ status: 204 })): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(answer);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** What it answers from now on. */
  answerWith(answer: (n: number, request: Received) => Answer): void {
    this.answer = answer;
  }

  /** Requests held and still open (one its sender gave up on, timed out, is not counted). */
  get holding(): number {
    return this.held.filter((res) => !res.destroyed).length;
  }

  /** Answers the held requests 200, and every later one too. */
  release(): void {
    this.released = true;
    for (const res of this.held.splice(0)) if (!res.destroyed) res.writeHead(200).end('ok');
  }

  /** The requests about an order. */
  of(orderId: string): Received[] {
    return this.received.filter((each) => each.payload.data.orderId === orderId);
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    let payload: Received['payload'];
    try {
      payload = JSON.parse(body) as Received['payload'];
    } catch {
      res.writeHead(400).end('not JSON');
      return;
    }
    const request: Received = {
      id: String(req.headers['webhook-id']),
      timestamp: String(req.headers['webhook-timestamp']),
      signature: String(req.headers['webhook-signature']),
      userAgent: req.headers['user-agent'],
      contentType: req.headers['content-type'],
      body,
      payload,
    };
    const n = this.received.length;
    this.received.push(request);
    const answer = this.released ? { status: 200 } : this.answer(n, request);
    if (answer === 'hold') {
      this.held.push(res);
      return;
    }
    res.writeHead(answer.status, answer.headers).end(answer.status >= 400 ? 'not now' : '');
  }
}

/** Whether `request` carries a valid Standard Webhooks signature made with `secret`. */
export function verifies(request: Received, secret: string): boolean {
  try {
    new Webhook(secret).verify(request.body, { 'webhook-id': request.id, 'webhook-timestamp': request.timestamp, 'webhook-signature': request.signature });
    return true;
  } catch {
    return false;
  }
}
