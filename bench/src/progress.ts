import { SingleBar } from 'cli-progress';

/** A line of the report, on stdout. */
export const say = (line: string) => process.stdout.write(`${line}\n`);

function progress(label: string, total: number) {
  if (!process.stderr.isTTY) {
    say(`${label}...`);
    return { tick: () => undefined, stop: () => undefined };
  }
  const bar = new SingleBar({ format: `${label.padEnd(28)} [{bar}] {value}/{total}`, stream: process.stderr });
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

/** Runs `work` under a progress bar of about `ms` (a line per phase when stderr is no terminal). */
export async function timed<T>(label: string, ms: number, work: (tick: () => void) => Promise<T>): Promise<T> {
  const steps = Math.max(1, Math.round(ms / 1000));
  const bar = progress(label, steps);
  const timer = setInterval(bar.tick, 1000);
  try {
    return await work(bar.tick);
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}
