/** The JSON of /api/webhooks (its contract lives with the webhook API, not the console's). */
export interface WebhookJson {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
  deliveries: { pending: number; delivered: number; failed: number };
}

export interface CreatedWebhookJson {
  id: string;
  url: string;
  events: string[];
  secret: string;
  createdAt: string;
}

export interface DeliveryJson {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatusCode: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface DeliveryDetailJson extends Omit<DeliveryJson, 'attempts'> {
  payload: unknown;
  attempts: Array<{ attempt: number; at: string; statusCode: number | null; error: string | null; durationMs: number | null }>;
}
