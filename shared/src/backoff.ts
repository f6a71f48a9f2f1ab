/**
 * Pause before reconnection attempt `attempt` (1-based): exponential from 100 ms, capped at
 * `maxMs`, with equal jitter (half fixed, half random) so replicas that lost a dependency
 * together do not all come back to it in the same instant.
 */
export function backoffMs(attempt: number, maxMs = 5000, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, 100 * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
