import { connect, type ChannelModel } from 'amqplib';
import { eventually, uniqueName } from '@saga/shared/testing';
import { BrokerCluster } from '../support/brokerCluster';

// The local three-node RabbitMQ cluster (docs/cluster.md): a persistent message in a quorum
// queue survives a kill -9 of the node the queue was declared through, and a stop and start
// of the whole cluster. The fault tier's global setup starts the cluster (and its teardown
// stops it); this file leaves it up and whole for the next, whatever happened.

const cluster = new BrokerCluster();
const connections: ChannelModel[] = [];
const timings: string[] = [];

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return result;
}

async function open(url: string): Promise<ChannelModel> {
  const connection = await connect(url);
  connection.on('error', () => undefined); // a killed or stopped node closes it under us
  connections.push(connection);
  return connection;
}

async function publish(url: string, queue: string, body: string): Promise<void> {
  const channel = await (await open(url)).createConfirmChannel();
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  channel.sendToQueue(queue, Buffer.from(body), { persistent: true });
  await channel.waitForConfirms();
}

/** Takes one message from `queue` through `url`, retrying while the queue has no leader yet (afresh each time: a failed get closes the channel). */
function take(url: string, queue: string, what: string): Promise<string> {
  return eventually(
    async () => {
      const connection = await connect(url);
      connection.on('error', () => undefined);
      try {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        const message = await channel.get(queue, { noAck: true });
        return message ? message.content.toString() : undefined;
      } finally {
        await connection.close().catch(() => undefined);
      }
    },
    { timeoutMs: 60_000, intervalMs: 500, what },
  );
}

async function closeAll(): Promise<void> {
  await Promise.allSettled(connections.splice(0).map((connection) => connection.close()));
}

beforeAll(async () => {
  await timed('ensureUp', () => cluster.ensureUp());
}, 240_000);

afterAll(async () => {
  await closeAll();
  await timed('ensure up', () => cluster.ensureUp());
  process.stdout.write(`Cluster fault test timings: ${timings.join(', ')}\n`);
}, 120_000);

test('a quorum queue keeps its persistent messages through a kill -9 of a node and a stop and start of the whole cluster', async () => {
  const [node1, node2, node3] = cluster.amqpUrls();
  const queue = uniqueName('cluster_fault');

  // Declared through node 1: its leader is there, and kill -9 takes it away mid-flight.
  await publish(node1!, queue, 'before the crash');
  await closeAll();
  await timed('kill 1', () => cluster.killNode(1));
  expect(await take(node2!, queue, 'the message through node 2 after node 1 crashed')).toBe('before the crash');

  await timed('start 1', () => cluster.startNode(1));
  const status = await cluster.status();
  expect(status.healthy).toBe(true);
  expect([...status.view!.running_nodes].sort()).toEqual(cluster.layout.nodes.map((node) => node.name).sort());

  await publish(node2!, queue, 'before the stop');
  await closeAll();
  await timed('stop-all', () => cluster.stopAll());
  expect((await cluster.status()).nodes.filter((node) => node.pid !== undefined)).toEqual([]);
  await timed('start-all', () => cluster.startAll());
  expect(await cluster.isUp()).toBe(true);
  expect(await take(node3!, queue, 'the message through node 3 after the cluster restarted')).toBe('before the stop');

  const channel = await (await open(node1!)).createChannel();
  await channel.deleteQueue(queue);
}, 360_000);
