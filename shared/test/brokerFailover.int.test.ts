import { AmqpClient } from '../src/messaging/amqp';
import { eventually, freePort, TcpProxy, TEST_AMQP_URL } from '../src/testing';
import { silentLogger } from './kernelFixture';


it('connects to the first broker address that answers, and names it', async () => {
  const down = new URL(TEST_AMQP_URL);
  down.port = String(await freePort());
  const client = new AmqpClient({ url: `${down.toString()},${TEST_AMQP_URL}`, name: 'failover-test', logger: silentLogger });
  try {
    await client.start();
    expect(client.isConnected).toBe(true);
    expect(client.address).toBe(new URL(TEST_AMQP_URL).host);
  } finally {
    await client.close();
  }
});

it('fails naming every address when none answers', async () => {
  const [a, b] = [new URL(TEST_AMQP_URL), new URL(TEST_AMQP_URL)];
  a.port = String(await freePort());
  b.port = String(await freePort());
  const client = new AmqpClient({ url: `${a.toString()},${b.toString()}`, name: 'failover-test', logger: silentLogger });
  await expect(client.start()).rejects.toThrow(new RegExp(`no broker address answered.*:${a.port}.*:${b.port}`));
  await client.close();
});

it('fails over to the next address when its node is lost, and sets itself up there again', async () => {
  const broker = new URL(TEST_AMQP_URL);
  const nodes = [await TcpProxy.start(broker.hostname, Number(broker.port || 5672)), await TcpProxy.start(broker.hostname, Number(broker.port || 5672))];
  const addresses = nodes.map((node) => {
    const url = new URL(TEST_AMQP_URL);
    url.hostname = '127.0.0.1';
    url.port = String(node.port);
    return url.toString();
  });
  const client = new AmqpClient({ url: addresses.join(','), name: 'failover-test', logger: silentLogger, maxReconnectDelayMs: 200 });
  let setUps = 0;
  try {
    await client.start();
    await client.onConnected(async (connection) => {
      await (await connection.createChannel()).close();
      setUps += 1;
    });
    expect(client.address).toBe(`127.0.0.1:${nodes[0]!.port}`);
    await nodes[0]!.cut();
    await eventually(() => client.address === `127.0.0.1:${nodes[1]!.port}`, { what: 'the client on the second address' });
    await eventually(() => setUps === 2, { what: 'its setup run again on the new connection' });
  } finally {
    await client.close();
    for (const node of nodes) await node.close();
  }
});
