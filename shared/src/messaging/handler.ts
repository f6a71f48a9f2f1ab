import type { BodyOf, Contract } from '../contracts/common';
import type { ResultsOf, Statement } from '../db/statement';
import type { Logger } from '../logging';
import type { Runtime } from '../runtime';
import type { Envelope } from './envelope';
import type { OutgoingMessage } from './outbox';

/** Reads a handler needs first, by name: each yields its typed rows into `loaded`. */
export type Loads = Record<string, Statement>;

export interface HandlerContext<Body, Loaded = Record<string, never>> {
  body: Body;
  envelope: Envelope;
  runtime: Runtime;
  logger: Logger;
  /** What each of the handler's `load` statements yielded, under its name, read with BEGIN. */
  loaded: Loaded;
  /** Writes whose results the handler does not need, sent in order with COMMIT, before the replies. */
  write(...statements: Statement[]): void;
  /** Puts replies in the outbox with COMMIT, caused by and correlated with the message being handled; a body that breaks its contract throws here. */
  send(...messages: OutgoingMessage[]): void;
  /** Runs `effect` once the transaction has committed (never if it rolls back): for metrics, not for state. */
  afterCommit(effect: () => void): void;
}

export interface HandlerSpec<Body, L extends Loads> {
  /**
   * Messages with the same key are handled one at a time, across handlers and replicas:
   * an advisory lock on the key, taken with the transaction's BEGIN and held to its end.
   * For handlers whose rows may not exist yet, so a row lock has nothing to hold on to.
   */
  serializeBy?: (body: Body) => string;
  /**
   * Reads the handler needs first (e.g. its aggregate's row, `FOR UPDATE`), sent with
   * BEGIN after the inbox claim and the key lock (each sees what committed before it ran,
   * so also what the lock waited for); what they yield arrives as `loaded`, by name.
   */
  load?: (body: Body, envelope: Envelope) => L;
  /** Decides and answers: no reads of its own, only `write` and `send`. */
  handle(context: HandlerContext<Body, ResultsOf<L>>): void | Promise<void>;
}

/** A handler as the consumer holds it: its contract and its spec, the body's type erased. */
export interface MessageHandler<C extends Contract = Contract> {
  contract: C;
  serializeBy?: (body: never) => string;
  load?: (body: never, envelope: Envelope) => Loads;
  handle(context: HandlerContext<never, never>): void | Promise<void>;
}

/** Declares the handler of one message type; the handler's state comes from `load` as a typed record. */
export function handler<C extends Contract, L extends Loads = Record<string, never>>(contract: C, spec: HandlerSpec<BodyOf<C>, L>): MessageHandler<C> {
  return { contract, ...spec } as unknown as MessageHandler<C>;
}
