import type { StartOptions } from './service';

/**
 * Fault injection for the fault suite, off unless asked for by environment variable:
 * FAULT_RELAY_CRASH_AFTER_BATCHES=N kills the process (SIGKILL, no clean-up) right
 * after its relay's Nth confirmed batch and before that batch's rows are deleted.
 */
export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): StartOptions {
  const crashAfter = Number(env.FAULT_RELAY_CRASH_AFTER_BATCHES ?? 0);
  if (!Number.isInteger(crashAfter) || crashAfter <= 0) return {};
  let batches = 0;
  return {
    afterPublish: () => {
      batches += 1;
      if (batches >= crashAfter) process.kill(process.pid, 'SIGKILL');
    },
  };
}
