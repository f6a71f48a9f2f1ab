/**
 * A local three-node RabbitMQ cluster from the machine's RabbitMQ installation (Debian's
 * rabbitmq-server): nodes saga-c1..3@localhost on loopback ports of their own, with their own
 * cookie, epmd and state dir, so the machine's default broker is never touched. `npm run
 * cluster` (scripts/cluster.ts) and the tests (test/support/brokerCluster.ts) both drive it
 * through this class. See docs/cluster.md.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { clusterLayout, CLUSTER_SIZE, type ClusterLayout, type NodeLayout } from './layout';
import { withLock } from './lock';
import { assertPortsFree, lastOutput, nodePid, portOpen, sleep, spawnNode, waitExit } from './nodeProcess';
import { Rabbitmqctl, type ClusterView } from './rabbitmqctl';
import { removeStateDir, writeStateFiles } from './stateFiles';

/** The machine's own epmd port: shared with every Erlang node, never stopped from here. */
const MACHINE_EPMD_PORT = 4369;

export interface NodeStatus {
  node: NodeLayout;
  /** OS pid of its Erlang VM, when it runs. */
  pid?: number;
}

export interface ClusterStatus {
  nodes: NodeStatus[];
  /** The node whose view of the cluster `view` is (the first one running that answered). */
  seenFrom?: string;
  view?: ClusterView;
  /** All three run and each is a running member of the one cluster. */
  healthy: boolean;
}

export interface BrokerClusterOptions {
  /** Progress lines (the CLI prints them; tests may pass console.log). */
  log?: (line: string) => void;
}

const names = (nodes: readonly NodeLayout[]) => nodes.map((node) => node.name).join(', ');

export class BrokerCluster {
  private readonly ctl: Rabbitmqctl;
  /** rabbitmq-server scripts this object started, by node index: alive as long as their VM. */
  private readonly scripts = new Map<number, ChildProcess>();

  constructor(
    readonly layout: ClusterLayout = clusterLayout(),
    private readonly options: BrokerClusterOptions = {},
  ) {
    this.ctl = new Rabbitmqctl(layout);
  }

  /** Management API of node 1, as the administrator: what RABBITMQ_ADMIN_URL is set to. guest/guest, which RabbitMQ accepts on loopback only. */
  get adminUrl(): string {
    return `http://guest:guest@127.0.0.1:${this.layout.nodes[0]!.managementPort}`;
  }

  /** Each node's AMQP address, without credentials (amqplib then uses guest/guest). */
  amqpUrls(vhost?: string): string[] {
    return this.layout.nodes.map((node) => `amqp://127.0.0.1:${node.amqpPort}${vhost === undefined ? '' : `/${encodeURIComponent(vhost)}`}`);
  }

  /** The variables that point the services at the cluster. */
  serviceEnv(vhost = 'saga'): Record<'AMQP_URL' | 'RABBITMQ_ADMIN_URL' | 'QUEUE_TYPE', string> {
    return { AMQP_URL: this.amqpUrls(vhost).join(','), RABBITMQ_ADMIN_URL: this.adminUrl, QUEUE_TYPE: 'quorum' };
  }

  /** Node `n` (1-based). */
  node(n: number): NodeLayout {
    const node = this.layout.nodes[n - 1];
    if (!Number.isInteger(n) || !node) throw new Error(`no node ${n}: the cluster has nodes 1 to ${CLUSTER_SIZE}`);
    return node;
  }

  /** Runs rabbitmqctl against node `n` with the cluster's cookie; returns its output. */
  rabbitmqctl(n: number, args: readonly string[]): Promise<string> {
    return this.ctl.run(this.node(n), args, this.layout.timeoutMs);
  }

  async status(): Promise<ClusterStatus> {
    const nodes = this.layout.nodes.map((node) => ({ node, pid: nodePid(this.layout, node) }));
    for (const { node, pid } of nodes) {
      if (pid === undefined) continue;
      const view = await this.ctl.clusterView(node, 15_000).catch(() => undefined);
      if (!view) continue;
      const healthy = nodes.every((n) => n.pid !== undefined && view.running_nodes.includes(n.node.name));
      return { nodes, seenFrom: node.name, view, healthy };
    }
    return { nodes, healthy: false };
  }

  async isUp(): Promise<boolean> {
    return (await this.status()).healthy;
  }

  /**
   * Brings the cluster up and returns the nodes it had to start: starts every node that
   * does not run, all at once, joins nodes 2 and 3 to node 1 where they are not members yet,
   * and waits until all three are running members. A cluster already up is reused as is.
   */
  async ensureUp(): Promise<string[]> {
    const deadline = this.deadline();
    return withLock(this.layout.stateDir, deadline, async () => {
      const { newCookie } = writeStateFiles(this.layout);
      if (newCookie) await this.killUncontrollable();
      const started = await this.startNodes(this.layout.nodes, deadline);
      await this.joinNewMembers(deadline);
      await this.waitClustered(this.layout.nodes, deadline);
      return started;
    });
  }

  /** Starts every stopped node at once (RabbitMQ needs a stopped cluster's nodes back together) and waits for the cluster: ensureUp. */
  startAll(): Promise<string[]> {
    return this.ensureUp();
  }

  /** Stops every node gracefully (rabbitmqctl shutdown), all at once, and waits for their VMs to exit. The data stays. */
  async stopAll(): Promise<void> {
    const deadline = this.deadline();
    if (!existsSync(this.layout.stateDir)) return this.stopNodes(deadline); // see down
    await withLock(this.layout.stateDir, deadline, () => this.stopNodes(deadline));
  }

  /** stopAll, then stops the cluster's epmd; with `purge`, removes the state dir (data, logs, cookie) too. */
  async down({ purge = false } = {}): Promise<void> {
    const deadline = this.deadline();
    if (!existsSync(this.layout.stateDir)) {
      // Nothing to lock or remove; at most VMs whose state dir was deleted under them, which only a signal stops.
      await this.stopNodes(deadline);
      return this.stopEpmd();
    }
    await withLock(this.layout.stateDir, deadline, async () => {
      await this.stopNodes(deadline);
      await this.stopEpmd();
      if (purge) removeStateDir(this.layout);
    });
  }

  /** kill -9 of node `n`'s VM, as a crash would (its pid file stays behind). Returns the pid it killed. */
  async killNode(n: number): Promise<number> {
    const node = this.node(n);
    const pid = nodePid(this.layout, node);
    if (pid === undefined) throw new Error(`${node.name} is not running`);
    process.kill(pid, 'SIGKILL');
    if (!(await waitExit(pid, Date.now() + 10_000))) throw new Error(`${node.name} (pid ${pid}) still runs 10s after kill -9`);
    this.log(`killed ${node.name} (pid ${pid})`);
    return pid;
  }

  /** Starts node `n` if it does not run and waits until it is a running member again, with every other node that runs. */
  async startNode(n: number): Promise<void> {
    const node = this.node(n);
    if (!existsSync(this.layout.cookieFile)) throw new Error(`no cluster in ${this.layout.stateDir}: run npm run cluster -- up`);
    const deadline = this.deadline();
    await withLock(this.layout.stateDir, deadline, async () => {
      writeStateFiles(this.layout);
      await this.startNodes([node], deadline);
      await this.waitClustered(this.layout.nodes.filter((other) => other === node || nodePid(this.layout, other) !== undefined), deadline);
    });
  }

  private deadline(): number {
    return Date.now() + this.layout.timeoutMs;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Whether `node` runs; for a node started here, whether its script (which waits for the VM) still does, as the VM writes its pid file only once booting. */
  private running(node: NodeLayout): boolean {
    const script = this.scripts.get(node.index);
    if (script && script.exitCode === null && script.signalCode === null) return true;
    return nodePid(this.layout, node) !== undefined;
  }

  private failure(node: NodeLayout, what: string): Error {
    const early = lastOutput(node);
    return new Error(`${node.name} ${what}; see its log ${node.logFile} and ${node.stdoutFile}${early ? `, which ends:\n${early}` : ''}`);
  }

  /** Starts those of `nodes` that do not run, at once, and waits until each has booted. Returns the names of those it started. */
  private async startNodes(nodes: readonly NodeLayout[], deadline: number): Promise<string[]> {
    const stopped = nodes.filter((node) => nodePid(this.layout, node) === undefined);
    for (const node of stopped) await assertPortsFree(node);
    if (stopped.length > 0) this.log(`starting ${names(stopped)}`);
    for (const node of stopped) this.scripts.set(node.index, spawnNode(this.layout, node));
    const retries = stopped.length > 1 ? 2 : 0;
    await Promise.all(nodes.map((node) => (stopped.includes(node) ? this.bootStarted(node, deadline, retries) : this.bootIfStopped(node, deadline))));
    return stopped.map((node) => node.name);
  }

  /**
   * Waits for a node started here, starting it again (up to `retries` times) if it stops while
   * booting. RabbitMQ 3.10 nodes that boot together sometimes fail to sync feature flags with a
   * peer that is not far enough yet ("incompatible_feature_flags ... badmap" in stdout.log; twice
   * in some thirty starts of the three here); started again, with the peers further along, they boot.
   */
  private async bootStarted(node: NodeLayout, deadline: number, retries: number): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.waitBooted(node, deadline);
      } catch (error) {
        if (attempt >= retries || this.running(node)) throw error;
        const output = lastOutput(node, 200);
        const reason = output.includes('Error during startup') ? output.slice(output.indexOf('Error during startup')).replace(/\s+/g, ' ').slice(0, 110) : 'see its stdout.log';
        this.log(`${node.name} stopped while starting (${reason}...); starting it again`);
        this.scripts.set(node.index, spawnNode(this.layout, node));
      }
    }
  }

  /** Waits until `node`'s listeners are open and RabbitMQ says it has booted; fails, naming its log, if it stops or the deadline passes. */
  private async waitBooted(node: NodeLayout, deadline: number): Promise<void> {
    // RabbitMQ opens its AMQP listener at the end of its boot: a cheap signal, confirmed by await_startup.
    while (!(await portOpen(node.amqpPort))) {
      if (!this.running(node)) throw this.failure(node, 'stopped while starting');
      if (Date.now() >= deadline) throw this.failure(node, `did not start within ${Math.round(this.layout.timeoutMs / 1000)}s`);
      await sleep(200);
    }
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    await this.ctl.run(node, ['await_startup', '--timeout', String(left)], left * 1000 + 10_000).catch((error: Error) => {
      throw this.failure(node, `did not finish starting (${error.message})`);
    });
  }

  /** For a node that already runs: starts its app if stopped (an `up` interrupted while joining it leaves it so), then waits for it. */
  private async bootIfStopped(node: NodeLayout, deadline: number): Promise<void> {
    if (!(await portOpen(node.amqpPort))) {
      const state = await this.ctl.run(node, ['eval', '{rabbit:is_booting(), rabbit:is_running()}.'], 15_000).catch(() => '');
      if (state.replace(/\s/g, '') === '{false,false}') {
        this.log(`starting the stopped RabbitMQ application of ${node.name}`);
        await this.ctl.run(node, ['start_app'], Math.max(1000, deadline - Date.now()));
      }
    }
    await this.waitBooted(node, deadline);
  }

  /** Joins nodes 2 and 3 to node 1 where they are not members of its cluster yet (a fresh node, or one of a cluster since purged). */
  private async joinNewMembers(deadline: number): Promise<void> {
    const [first, ...others] = this.layout.nodes;
    const view = await this.ctl.clusterView(first!);
    const members = [...view.disk_nodes, ...(view.ram_nodes ?? [])];
    const joining = others.filter((other) => !members.includes(other.name));
    if (joining.length === 0) return;
    this.log(`joining ${names(joining)} to ${first!.name}`);
    const left = () => Math.max(1000, deadline - Date.now());
    // stop_app and start_app on both at once (stop_app takes ~6s: its log shows a 5s pause after
    // "Management plugin: to stop collect_statistics"); the joins themselves one after the other.
    // reset: a node outside the cluster holds nothing of it, and join_cluster refuses a node
    // that is clustered elsewhere.
    await Promise.all(joining.map((node) => this.ctl.run(node, ['stop_app'], left())));
    for (const node of joining) {
      await this.ctl.run(node, ['reset'], left());
      await this.ctl.run(node, ['join_cluster', first!.name], left());
    }
    await Promise.all(
      joining.map((node) =>
        // Once more if it fails: two apps starting together can meet the feature-flag race of bootStarted.
        this.ctl.run(node, ['start_app'], left()).catch((error: Error) => {
          this.log(`${error.message}; once more`);
          return this.ctl.run(node, ['start_app'], left());
        }),
      ),
    );
  }

  /** Waits until a running node of `expected` sees all of them as running members. */
  private async waitClustered(expected: readonly NodeLayout[], deadline: number): Promise<void> {
    let last = 'no node answered';
    for (;;) {
      const from = expected.find((node) => nodePid(this.layout, node) !== undefined);
      if (from) {
        try {
          const view = await this.ctl.clusterView(from, 15_000);
          if (expected.every((node) => view.running_nodes.includes(node.name))) return;
          last = `${from.name} sees running ${view.running_nodes.join(', ')} of members ${[...view.disk_nodes, ...(view.ram_nodes ?? [])].join(', ')}`;
        } catch (error) {
          last = (error as Error).message;
        }
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `${names(expected)} did not all run in one cluster within ${Math.round(this.layout.timeoutMs / 1000)}s (${last}); ` +
            `see the logs ${expected.map((node) => node.logFile).join(', ')}; a cluster whose state is beyond repair: npm run cluster -- down --purge`,
        );
      }
      await sleep(300);
    }
  }

  /** Stops every running node gracefully and at once; a node that cannot be asked (or does not stop in time) is killed. */
  private async stopNodes(deadline: number): Promise<void> {
    const running = this.layout.nodes.flatMap((node) => {
      const pid = nodePid(this.layout, node);
      return pid === undefined ? [] : [{ node, pid }];
    });
    if (running.length > 0) this.log(`stopping ${names(running.map(({ node }) => node))}`);
    await Promise.all(
      running.map(async ({ node, pid }) => {
        try {
          await this.ctl.run(node, ['shutdown'], Math.max(1000, deadline - Date.now()));
        } catch (error) {
          this.log(`${(error as Error).message}; sending SIGTERM to ${node.name} (pid ${pid})`);
          process.kill(pid, 'SIGTERM');
        }
        if (await waitExit(pid, deadline)) return;
        this.log(`${node.name} (pid ${pid}) did not stop in time: kill -9`);
        process.kill(pid, 'SIGKILL');
        await waitExit(pid, Date.now() + 10_000);
      }),
    );
  }

  /** The cluster's epmd: it refuses to stop while any node is still registered with it. */
  private stopEpmd(): Promise<void> {
    if (this.layout.epmdPort === MACHINE_EPMD_PORT) return Promise.resolve();
    return new Promise((resolve) => execFile('epmd', ['-port', String(this.layout.epmdPort), '-kill'], { timeout: 10_000 }, () => resolve()));
  }

  /**
   * A new cookie with nodes still running means their state dir was removed under them (not
   * through `down`): nobody can talk to them any more, so they are killed before new ones start.
   */
  private async killUncontrollable(): Promise<void> {
    for (const node of this.layout.nodes) {
      const pid = nodePid(this.layout, node);
      if (pid === undefined) continue;
      this.log(`${node.name} (pid ${pid}) runs with the cookie of a removed state dir: kill -9`);
      process.kill(pid, 'SIGKILL');
      await waitExit(pid, Date.now() + 10_000);
    }
  }
}
