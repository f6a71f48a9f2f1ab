import { appendFile } from 'node:fs/promises';
import os from 'node:os';

export interface AuditRecord {
  command: 'replay' | 'purge' | 'outbox-retry';
  queue: string;
  filter?: Record<string, unknown>;
  messageIds: string[];
  replayed?: number;
  failed?: Array<{ messageId: string; error: string }>;
  purged?: number;
}

/**
 * Appends one JSON line per replay, purge or outbox retry to the audit log (DLQ_AUDIT_LOG, default
 * ./dlq-audit.jsonl): who ran it, from where, when, on which messages, with what result.
 */
export async function audit(record: AuditRecord, env: NodeJS.ProcessEnv, now = new Date()): Promise<string> {
  const file = env.DLQ_AUDIT_LOG ?? 'dlq-audit.jsonl';
  const entry = { at: now.toISOString(), user: env.USER ?? os.userInfo().username, host: os.hostname(), ...record };
  await appendFile(file, `${JSON.stringify(entry)}\n`);
  return file;
}
