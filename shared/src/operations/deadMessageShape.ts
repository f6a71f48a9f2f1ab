// A module of types with no imports: the console's browser pages take it in too (they cannot take Node code).

/** What an operator needs to know about a message in an error queue. */
export interface DeadMessage {
  messageId: string;
  type: string;
  correlationId: string;
  reason: string;
  detail: string;
  attempts: number;
  failedAt: string | undefined;
  failedBy: string | undefined;
  /** Where a replay sends it: the work queue beside the error queue, through the endpoint's direct exchange. */
  target: { exchange: string; routingKey: string };
  /** The broker-validated user that first sent it (a replay keeps it in x-original-user-id). */
  sender: string;
}
