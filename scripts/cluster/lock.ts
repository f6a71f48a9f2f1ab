import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './nodeProcess';

/** The live process holding the lock file, or undefined when there is none. */
function holder(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Runs `work` while holding the state dir's lock, so two callers (two test files calling
 * ensureUp, a developer's `up` during a test) never start the same node twice. A lock whose
 * holder is gone (a crashed run) is taken over.
 */
export async function withLock<T>(stateDir: string, deadline: number, work: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, 'lock');
  // Written aside and linked into place: the lock never exists without its holder's pid.
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    while (!tryLink(mine, file)) {
      const pid = holder(file);
      if (pid === undefined) rmSync(file, { force: true });
      else if (Date.now() >= deadline) throw new Error(`another process (pid ${pid}) holds ${file}: is an npm run cluster or a test running?`);
      else await sleep(200);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
