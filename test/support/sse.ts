/** One Server-Sent Event as a client sees it. */
export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A Server-Sent Events client over fetch (Node has no EventSource): collects events as
 * they arrive, so a test can wait for the ones it expects, and can send Last-Event-ID.
 */
export class SseClient {
  readonly events: ServerSentEvent[] = [];
  readonly status: Promise<number>;
  private readonly abort = new AbortController();
  private waiters: Array<() => void> = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.status = this.read(url, headers);
  }

  private async read(url: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.abort.signal });
    if (!response.ok || !response.body) return response.status;
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: ServerSentEvent = { event: 'message', data: '' };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const [field, ...rest] = line.split(':');
              const value = rest.join(':').replace(/^ /, '');
              if (field === 'id') event.id = value;
              if (field === 'event') event.event = value;
              if (field === 'data') data.push(value);
            }
            if (data.length === 0) continue;
            event.data = data.join('\n');
            this.events.push(event);
            this.waiters.forEach((wake) => wake());
          }
        }
      } catch {
        // aborted
      }
    })();
    return response.status;
  }

  /** The data of every `saga` event so far, parsed. */
  sagaEvents<T = any>(): Array<T & { id: string }> {
    return this.events.filter((event) => event.event === 'saga').map((event) => JSON.parse(event.data) as T & { id: string });
  }

  /** Waits until `done` holds of the events received (or fails after `timeoutMs`). */
  async until(done: (events: ServerSentEvent[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      if (Date.now() > deadline) throw new Error(`the expected events did not arrive; got ${this.events.length}: ${this.events.map((e) => e.data).join('\n').slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  close(): void {
    this.abort.abort();
  }
}
