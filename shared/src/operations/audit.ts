import { appendFile, open } from 'node:fs/promises';
import os from 'node:os';

export interface AuditRecord {
  /** Who did it: the operator a console token names; the OS user for the command line. */
  user?: string;
  /** From where: 'cli' or 'console'. */
  via?: 'cli' | 'console';
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
  const file = auditLogOf(env);
  const entry = { at: now.toISOString(), user: env.USER ?? os.userInfo().username, via: 'cli', host: os.hostname(), ...record };
  await appendFile(file, `${JSON.stringify(entry)}\n`);
  return file;
}

/** Where the audit log is. */
export const auditLogOf = (env: NodeJS.ProcessEnv): string => env.DLQ_AUDIT_LOG || 'dlq-audit.jsonl';

export type AuditEntry = AuditRecord & { at: string; user: string; host?: string };

/** How much of the log's end is read for its latest entries: a long log is never read whole. */
const TAIL_BYTES = 2 * 1024 * 1024;

/** The last bytes of a file as text, from its first whole line (empty if there is no file yet). */
async function tail(file: string, bytes: number): Promise<string> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    await handle.close();
  }
}

/** The last `limit` entries of the audit log, newest first (none if there is no log yet); lines that are not entries are skipped. */
export async function readAudit(env: NodeJS.ProcessEnv, limit: number): Promise<AuditEntry[]> {
  const text = await tail(auditLogOf(env), TAIL_BYTES);
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n').reverse()) {
    if (entries.length >= limit) break;
    try {
      const entry = JSON.parse(line) as AuditEntry;
      if (entry && typeof entry.at === 'string' && typeof entry.command === 'string') entries.push(entry);
    } catch {
      // an empty or torn line
    }
  }
  return entries;
}
