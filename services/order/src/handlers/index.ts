import { handler, sagaReplies, type MessageHandler } from '@saga/shared';
import { orderSaga } from '../domain/orderSaga.definition';
import type { OrderSagas } from '../saga/orderSagas';

/**
 * A handler for every reply the order saga takes, derived from its definition (so the
 * order queue's bindings are too). Each turns its reply into the machine's event and
 * advances the order's saga with it, in two round trips: the saga row read and locked
 * with BEGIN, saved with COMMIT.
 *
 * The kernel has checked that the reply comes from the step's owner (its contract's
 * producer) and names the saga's order; a reply that does not match the order (an amount,
 * a quantity) is refused by `OrderSagas.advance` (error queue, reply-mismatch).
 */
export const orderHandlers = (sagas: OrderSagas): MessageHandler[] =>
  sagaReplies(orderSaga).map((reply) =>
    handler(reply.contract, {
      load: (_, envelope) => ({ saga: sagas.lock(envelope.correlationId) }),
      handle: ({ body, envelope, loaded, write, send, runtime, logger, afterCommit }) => {
        const now = runtime.now();
        const orderId = envelope.correlationId;
        const result = sagas.advance(loaded.saga[0], orderId, reply.toEvent(body, now.toISOString()), now, (input) => reply.mismatch(input, body));
        if (!result.advanced && result.why === 'no-saga') throw new Error(`No saga for order ${orderId}`);
        if (!result.advanced) return logger.info('reply does not apply to the saga in its current state; ignored');
        write(...result.writes);
        send(...result.messages);
        afterCommit(result.committed);
      },
    }),
  );
