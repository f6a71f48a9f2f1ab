import type { RunningService } from './service';

/**
 * Runs a service as a process: a start-up failure prints its reason and exits 1;
 * SIGINT/SIGTERM stop it gracefully (in-flight messages finish, connections close).
 */
export function runMain(start: () => Promise<RunningService>): void {
  start().then(
    (service) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        service.logger.info({ signal }, 'stopping');
        service.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    },
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
