import { message, type OutgoingMessage } from '@saga/shared';
import type { Reply } from '../domain/decision';

/** A decided reply as the message it is sent as, about the order it answers for. */
export const replyAbout = (orderId: string, reply: Reply): OutgoingMessage => message(reply.contract, reply.body, { type: 'order', id: orderId });
