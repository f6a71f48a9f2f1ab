/**
 * `npm run cluster -- <command>`: a local three-node RabbitMQ cluster (docs/cluster.md).
 *
 *   up                 start what does not run, form the cluster, print URLs and the services' env
 *   down [--purge]     stop all nodes (and the cluster's epmd); --purge removes data, logs and cookie
 *   status             nodes, pids, ports, membership; exit 0 only when all 3 run clustered
 *   kill <n>           kill -9 node n (a crash)
 *   start <n>          start node n and wait until it is a running member again
 *   stop-all           stop all nodes gracefully, keeping their data
 *   start-all          start all nodes at once and wait for the cluster
 *   ctl <n> <args...>  rabbitmqctl against node n with the cluster's cookie
 */
import { BrokerCluster, type ClusterStatus } from './cluster/brokerCluster';

const USAGE = 'usage: npm run cluster -- up | down [--purge] | status | kill <n> | start <n> | stop-all | start-all | ctl <n> <rabbitmqctl args...>\n';

const out = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

function nodeNumber(arg: string | undefined): number {
  const n = Number(arg);
  if (!arg || !Number.isInteger(n)) throw new UsageError();
  return n;
}

class UsageError extends Error {}

function printUp(cluster: BrokerCluster): void {
  out('');
  for (const node of cluster.layout.nodes) {
    out(`  ${node.name}  amqp://127.0.0.1:${node.amqpPort}  http://127.0.0.1:${node.managementPort}  log ${node.logFile}`);
  }
  out('\nEnvironment for the services (guest/guest: the cluster\'s administrator, on loopback only):');
  for (const [name, value] of Object.entries(cluster.serviceEnv())) out(`${name}=${value}`);
}

function printStatus({ nodes, seenFrom, view, healthy }: ClusterStatus): void {
  for (const { node, pid } of nodes) {
    const state = pid === undefined ? 'stopped' : `running, pid ${pid}`;
    out(`  ${node.name.padEnd(20)} ${state.padEnd(20)} amqp ${node.amqpPort}  management ${node.managementPort}  dist ${node.distPort}`);
  }
  if (view) {
    out(`Seen from ${seenFrom}: members ${[...view.disk_nodes, ...(view.ram_nodes ?? [])].join(', ')}; running ${view.running_nodes.join(', ')}`);
  }
  out(healthy ? 'Cluster: up, 3 running members' : 'Cluster: not up');
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const started = Date.now();
  const cluster = new BrokerCluster(undefined, { log: (line) => out(`cluster [${seconds(started)}]: ${line}`) });
  switch (command) {
    case 'up': {
      const startedNodes = await cluster.ensureUp();
      out(`Cluster up in ${seconds(started)}${startedNodes.length > 0 ? ` (started ${startedNodes.join(', ')})` : ' (all nodes were running)'}`);
      printUp(cluster);
      return 0;
    }
    case 'down':
      if (rest.some((arg) => arg !== '--purge')) throw new UsageError();
      await cluster.down({ purge: rest.includes('--purge') });
      out(`Cluster down in ${seconds(started)}${rest.includes('--purge') ? `; removed ${cluster.layout.stateDir}` : ''}`);
      return 0;
    case 'status': {
      const status = await cluster.status();
      printStatus(status);
      return status.healthy ? 0 : 1;
    }
    case 'kill':
      await cluster.killNode(nodeNumber(rest[0]));
      return 0;
    case 'start':
      await cluster.startNode(nodeNumber(rest[0]));
      out(`${cluster.node(nodeNumber(rest[0])).name} running in the cluster after ${seconds(started)}`);
      return 0;
    case 'stop-all':
      await cluster.stopAll();
      out(`All nodes stopped in ${seconds(started)}`);
      return 0;
    case 'start-all':
      await cluster.startAll();
      out(`Cluster up in ${seconds(started)}`);
      return 0;
    case 'ctl':
      process.stdout.write(await cluster.rabbitmqctl(nodeNumber(rest[0]), rest.slice(1)));
      return 0;
    default:
      throw new UsageError();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(USAGE);
      process.exit(2);
    }
    process.stderr.write(`cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
