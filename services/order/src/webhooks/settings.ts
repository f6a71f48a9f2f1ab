import { z } from 'zod';
import { positiveInt, readConfig } from '@saga/shared';
import { canonicalHost } from './allowlist';

export interface WebhookSettings {
  /** Hosts webhooks may be sent to, in canonical form (see allowlist.ts): WEBHOOK_ALLOWED_HOSTS. */
  allowedHosts: string[];
  /** Attempts of one delivery before it is given up (failed). */
  maxAttempts: number;
  /** The pause after the first failed attempt; it doubles after each one, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Time one attempt may take, response included. */
  timeoutMs: number;
  /** How often the dispatcher looks for due deliveries when no notification woke it. */
  pollIntervalMs: number;
  /** How long a rotated-out secret still signs deliveries (beside the new one). */
  secretGraceMs: number;
}

const AllowedHosts = z
  .string()
  .default('localhost,127.0.0.1,::1')
  .transform((text, ctx) => {
    const hosts: string[] = [];
    for (const entry of text.split(',').map((each) => each.trim()).filter(Boolean)) {
      const host = canonicalHost(entry);
      if (host === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not a host name or IP address (no scheme, port or path)` });
      else if (!hosts.includes(host)) hosts.push(host);
    }
    return hosts;
  });

/** The webhook settings, read once at start-up. */
export function loadWebhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const raw = readConfig(
    {
      WEBHOOK_ALLOWED_HOSTS: AllowedHosts,
      WEBHOOK_MAX_ATTEMPTS: positiveInt(12).refine((value) => value <= 100, 'must be at most 100'),
      WEBHOOK_RETRY_BASE_MS: positiveInt(1000),
      WEBHOOK_RETRY_MAX_MS: positiveInt(3_600_000),
      WEBHOOK_TIMEOUT_MS: positiveInt(10_000).refine((value) => value <= 300_000, 'must be at most 300000 (5 minutes)'),
      WEBHOOK_POLL_INTERVAL_MS: positiveInt(1000),
      WEBHOOK_SECRET_GRACE_MS: positiveInt(86_400_000),
    },
    env,
  );
  return {
    allowedHosts: raw.WEBHOOK_ALLOWED_HOSTS,
    maxAttempts: raw.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: raw.WEBHOOK_RETRY_BASE_MS,
    retryMaxMs: Math.max(raw.WEBHOOK_RETRY_MAX_MS, raw.WEBHOOK_RETRY_BASE_MS),
    timeoutMs: raw.WEBHOOK_TIMEOUT_MS,
    pollIntervalMs: raw.WEBHOOK_POLL_INTERVAL_MS,
    secretGraceMs: raw.WEBHOOK_SECRET_GRACE_MS,
  };
}
