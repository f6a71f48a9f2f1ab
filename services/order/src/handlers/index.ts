import { handler, type MessageHandler } from '@saga/shared';
import type { OrderSagas } from '../saga/orderSagas';

/**
 * A handler for every reply any version of the order saga takes, derived from the
 * definitions (so the order queue's bindings are too). Each advances the order's saga with
 * its reply, as the saga's own version takes it, in two round trips: the saga row read and
 * locked with BEGIN, saved with COMMIT.
 *
 * The kernel has checked that the reply comes from the step's owner (its contract's
 * producer) and names the saga's order; `OrderSagas.reply` refuses one that does not match
 * the order (an amount, a quantity: reply-mismatch) or whose saga is on a version this
 * build does not know (saga-version-unknown).
 */
export const orderHandlers = (sagas: OrderSagas): MessageHandler[] =>
  sagas.versions.replies().map((contract) =>
    handler(contract, {
      load: (_, envelope) => ({ saga: sagas.lock(envelope.correlationId) }),
      handle: ({ body, envelope, loaded, write, send, runtime, logger, afterCommit }) => {
        const orderId = envelope.correlationId;
        const result = sagas.reply(loaded.saga[0], orderId, contract, body, runtime.now());
        if (!result.advanced && result.why === 'no-saga') throw new Error(`No saga for order ${orderId}`);
        if (!result.advanced) return logger.info('reply does not apply to the saga in its current state; ignored');
        write(...result.writes);
        send(...result.messages);
        afterCommit(result.committed);
      },
    }),
  );
