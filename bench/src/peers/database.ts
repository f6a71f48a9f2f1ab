import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '@saga/shared';
import { createTestDatabase } from '@saga/shared/testing';
import { PLENTY_STOCK, RICH_BALANCE, SPREAD, type Catalog } from '../load';
import { withClient } from '../sql';
import type { PeerName } from './engine';

export interface PeerDatabases {
  /** The peer's tables (and DBOS's transaction records, graphile-worker's jobs). */
  databaseUrl: string;
  /** DBOS's system database; '' for the other peers. */
  systemDatabaseUrl: string;
}

/** The peer's own databases, new, with the saga's tables. */
export async function createPeerDatabases(peer: PeerName): Promise<PeerDatabases> {
  const databases = {
    databaseUrl: await createTestDatabase(`bench_peer_${peer}`),
    systemDatabaseUrl: peer === 'dbos' ? await createTestDatabase(`bench_peer_${peer}_sys`) : '',
  };
  await withClient(databases.databaseUrl, (client) => client.query(readFileSync(path.join(__dirname, 'schema.sql'), 'utf8')));
  return databases;
}

export async function dropPeerDatabases({ databaseUrl, systemDatabaseUrl }: PeerDatabases): Promise<void> {
  await dropDatabase(databaseUrl);
  if (systemDatabaseUrl) await dropDatabase(systemDatabaseUrl);
}

/** The catalog of `seed()` in load.ts, written straight into the peer's tables. */
export async function seedPeer(url: string): Promise<Catalog> {
  const plenty = Array.from({ length: SPREAD }, () => randomUUID());
  const rich = Array.from({ length: SPREAD }, () => randomUUID());
  const scarce = randomUUID();
  const poor = randomUUID();
  await withClient(url, async (client) => {
    await client.query(
      `insert into products (id, name, price, stock, reserved, created_at, updated_at)
       select id, 'Bench widget ' || (n - 1), 1.00, $2::int, 0, now(), now() from unnest($1::uuid[]) with ordinality as p(id, n)`,
      [plenty, PLENTY_STOCK],
    );
    await client.query("insert into products (id, name, price, stock, reserved, created_at, updated_at) values ($1::uuid, 'Bench rarity', 1.00, 1, 0, now(), now())", [scarce]);
    await client.query('insert into accounts (user_id, balance, created_at, updated_at) select id, $2::numeric, now(), now() from unnest($1::uuid[]) as a(id)', [rich, RICH_BALANCE]);
    await client.query("insert into accounts (user_id, balance, created_at, updated_at) values ($1::uuid, '0.50', now(), now())", [poor]);
  });
  return { plenty, scarce, rich, poor };
}
