import { randomUUID } from 'node:crypto';
import { handler } from '../src/messaging/handler';
import { eventually } from '../src/testing';
import { kernelFixture, Probe, type KernelFixture } from './kernelFixture';

let fx: KernelFixture;
const entered: number[] = [];
let releaseFirst: () => void = () => undefined;
const firstHeld = new Promise<void>((resolve) => {
  releaseFirst = resolve;
});

/** Probe 1 holds its transaction open until the test lets it go; the others return at once. */
const onProbe = handler(
  Probe,
  async ({ body }) => {
    entered.push(body.n);
    if (body.n === 1) await firstHeld;
  },
  { serializeBy: (body) => body.orderId },
);

beforeAll(async () => {
  fx = await kernelFixture('serialize');
  await fx.consumer('serial', [onProbe], {});
});
afterAll(async () => {
  releaseFirst();
  await fx.close();
});

const waitingForAdvisoryLock = async () =>
  Number(
    (
      await fx.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
      )
    )[0]!.n,
  );

describe('serializeBy', () => {
  it('handles messages with the same key one at a time, and others alongside', async () => {
    const orderId = randomUUID();
    fx.publish({ orderId, n: 1 }, { type: Probe.messageType });
    await eventually(() => entered.includes(1), { what: 'probe 1 in its handler' });

    fx.publish({ orderId, n: 2 }, { type: Probe.messageType });
    fx.publish({ orderId: randomUUID(), n: 3 }, { type: Probe.messageType });
    await eventually(async () => entered.includes(3) && (await waitingForAdvisoryLock()) === 1, {
      what: 'probe 3 handled while probe 2 waits for the lock probe 1 holds',
    });
    expect(entered).toEqual([1, 3]);

    releaseFirst();
    await eventually(() => entered.includes(2), { what: 'probe 2 handled after probe 1 ended' });
    expect(entered).toEqual([1, 3, 2]);
  });
});
