import net from 'node:net';
import { AmqpClient } from '../src/messaging/amqp';
import { TEST_AMQP_URL } from '../src/testing';
import { silentLogger } from './kernelFixture';

/** A port nothing listens on (taken, then released). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('connects to the first broker address that answers, and names it', async () => {
  const down = new URL(TEST_AMQP_URL);
  down.port = String(await deadPort());
  const client = new AmqpClient({ url: `${down.toString()},${TEST_AMQP_URL}`, name: 'failover-test', logger: silentLogger });
  try {
    await client.start();
    expect(client.isConnected).toBe(true);
    expect(client.address).toBe(new URL(TEST_AMQP_URL).toString().replace(/:[^:@/]*@/, ':***@'));
  } finally {
    await client.close();
  }
});

it('fails naming every address when none answers', async () => {
  const [a, b] = [new URL(TEST_AMQP_URL), new URL(TEST_AMQP_URL)];
  a.port = String(await deadPort());
  b.port = String(await deadPort());
  const client = new AmqpClient({ url: `${a.toString()},${b.toString()}`, name: 'failover-test', logger: silentLogger });
  await expect(client.start()).rejects.toThrow(new RegExp(`no broker address answered.*:${a.port}.*:${b.port}`));
  await client.close();
});
