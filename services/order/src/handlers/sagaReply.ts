import { handler, MessageRefused, type MessageHandler } from '@saga/shared';
import type { BodyOf, Contract } from '@saga/shared/contracts';
import type { OrderSagaContext, OrderSagaEvent } from '../domain/orderSaga.machine';
import { replyMismatch } from '../domain/replyChecks';
import { advanceSaga, lockSagaStatement, type StoredSaga } from '../saga/orderSagaStore';
import { sagaMetricsOf } from '../saga/sagaMetrics';
import type { SagaTimeouts } from '../settings';

/**
 * A handler that turns one reply message into one saga event and advances the order's
 * saga with it. Built with the saga's timeouts, which set the next step's deadline.
 * Two round trips: the saga row is read and locked with BEGIN, saved with COMMIT.
 *
 * The kernel has checked that the reply comes from the step's owner (its contract's
 * producer) and names the saga's order; a reply whose amounts do not match the order is
 * refused here (error queue, reply-mismatch).
 */
export function sagaReply<C extends Contract>(
  contract: C,
  toEvent: (body: BodyOf<C>, at: string) => OrderSagaEvent,
): (timeouts: SagaTimeouts) => MessageHandler {
  return (timeouts) =>
    handler(
      contract,
      async ({ body, envelope, loaded, defer, send, runtime, logger, metrics, afterCommit }) => {
        const [saga] = loaded[0] as unknown as StoredSaga[];
        if (!saga) throw new Error(`No saga for order ${envelope.correlationId}`);
        const now = runtime.now();
        const event = toEvent(body, now.toISOString());
        const mismatch = replyMismatch((saga.snapshot as { context: OrderSagaContext }).context, event);
        if (mismatch) throw new MessageRefused('reply-mismatch', `${contract.messageType} does not match order ${envelope.correlationId}: ${mismatch}`);
        const result = advanceSaga(saga, envelope.correlationId, event, now, timeouts);
        if (!result.changed) {
          logger.info('reply does not apply to the saga in its current state; ignored');
          return;
        }
        defer(...result.statements);
        await send(...result.messages);
        const failureCode = (body as { code?: string }).code;
        afterCommit(() => sagaMetricsOf(metrics)?.progressed({ ...result.progress, failureCode }));
      },
      { load: (_, envelope) => [lockSagaStatement(envelope.correlationId)] },
    ) as MessageHandler;
}
