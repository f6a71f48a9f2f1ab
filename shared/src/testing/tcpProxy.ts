import net from 'node:net';

/**
 * A TCP proxy in front of a server (a service's PostgreSQL), which a test can cut:
 * open connections are destroyed and the port stops listening, so new connections are
 * refused, as when the database host is down, until it is restored on the same port.
 * It can also be made slow: every chunk, either way, is held for a while (in order), so
 * each round trip takes twice that longer. Other clients of the server are untouched.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;
  private listeningPort = 0;
  private delayMs = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(net.createServer(), { host: targetHost, port: targetPort });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.listeningPort = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  private accept(client: net.Socket): void {
    if (this.cutOff) return void client.destroy();
    const upstream = net.connect(this.target.port, this.target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.forward(a, b);
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
    this.track(client);
    this.track(upstream);
  }

  /** Passes `from`'s bytes to `to`, each chunk `delayMs` later than it came (now, when not slowed), in order. */
  private forward(from: net.Socket, to: net.Socket): void {
    const held: Array<{ chunk: Buffer; due: number }> = [];
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      timer = undefined;
      while (held.length > 0 && held[0]!.due <= Date.now()) to.write(held.shift()!.chunk);
      if (held.length > 0) timer = setTimeout(release, held[0]!.due - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      if (this.delayMs === 0 && held.length === 0) return void to.write(chunk);
      held.push({ chunk, due: Date.now() + this.delayMs });
      timer ??= setTimeout(release, this.delayMs);
    });
    from.on('close', () => clearTimeout(timer));
  }

  /** Adds `ms` to every chunk either way from now on (0 makes it fast again). */
  slow(ms: number): void {
    this.delayMs = ms;
  }

  get port(): number {
    return this.listeningPort;
  }

  async cut(): Promise<void> {
    if (this.cutOff) return;
    this.cutOff = true;
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async restore(): Promise<void> {
    if (!this.cutOff) return;
    await new Promise<void>((resolve) => this.server.listen(this.listeningPort, '127.0.0.1', resolve));
    this.cutOff = false;
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
