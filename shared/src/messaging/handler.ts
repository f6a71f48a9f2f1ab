import type { BodyOf, Contract } from '../contracts/common';
import type { Executor } from '../db/database';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import type { Runtime } from '../runtime';
import type { Envelope } from './envelope';
import type { OutgoingMessage } from './outbox';

export interface HandlerContext<Body> {
  /** The transaction the inbox row was written on; write every effect on it. */
  tx: Executor;
  body: Body;
  envelope: Envelope;
  /** Puts replies in the outbox on `tx` (written with its commit), caused by and correlated with the message being handled. */
  send(...messages: OutgoingMessage[]): Promise<void>;
  runtime: Runtime;
  logger: Logger;
  metrics?: Metrics;
  /** Runs `effect` once the transaction has committed (never if it rolls back): for metrics, not for state. */
  afterCommit(effect: () => void): void;
  /** The rows of each of the handler's `load` statements, in order, read with BEGIN. */
  loaded: Array<Array<Record<string, unknown>>>;
  /**
   * Writes whose results the handler does not need, sent with COMMIT (before the replies)
   * instead of a round trip each. Values must be inlined with `literal` / `jsonLiteral`.
   */
  defer(...statements: string[]): void;
}

export interface HandlerOptions<Body> {
  /**
   * Messages with the same key are handled one at a time, across handlers and replicas:
   * an advisory lock on the key, taken with the transaction's BEGIN and held to its end.
   * For handlers whose rows may not exist yet, so a row lock has nothing to hold on to.
   */
  serializeBy?: (body: Body) => string;
  /**
   * Reads the handler needs first (e.g. its aggregate's row, `FOR UPDATE`), one statement
   * each, sent with BEGIN after the inbox claim and the key lock (each statement sees what
   * committed before it ran, so also what the lock waited for); their rows arrive as
   * `loaded`. Values must be inlined with `literal`.
   */
  load?: (body: Body, envelope: Envelope) => string[];
}

export interface MessageHandler<C extends Contract = Contract> extends HandlerOptions<BodyOf<C>> {
  contract: C;
  handle(context: HandlerContext<BodyOf<C>>): Promise<void>;
}

/** Declares the handler of one message type. */
export function handler<C extends Contract>(
  contract: C,
  handle: (context: HandlerContext<BodyOf<C>>) => Promise<void>,
  options: HandlerOptions<BodyOf<C>> = {},
): MessageHandler<C> {
  return { contract, handle, ...options };
}
