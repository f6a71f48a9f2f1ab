import type { Outcome, SagaInput } from './steps';

export const PEER_NAMES = ['dbos', 'graphile', 'sql'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** What a peer process needs of its engine. */
export interface Engine {
  /** Places the order durably, runs its saga and resolves when the saga has ended. */
  placeOrder(input: SagaInput): Promise<Outcome>;
  stop(): Promise<void>;
}

export interface EngineSettings {
  /** The peer's database: its tables, and the engine's own records where it keeps them there. */
  databaseUrl: string;
  /** DBOS's system database (another database of the peer's). */
  systemDatabaseUrl: string;
  /** Connections of each pool the engine opens. */
  poolSize: number;
  /** Jobs run at once (graphile-worker). */
  concurrency: number;
}
