import type { Logger } from '../../http/logger.ts';

/**
 * Runs `pass` now, then again `intervalMs` after each pass ends (at once when it answers true:
 * more is waiting), until stopped. Passes never overlap; a failed pass is logged as `what` and the
 * next one runs all the same. `stop()` waits for the pass under way.
 */
export function startPeriodicJob(
  what: string,
  logger: Logger,
  intervalMs: number,
  pass: () => Promise<boolean>,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = pass()
      .catch((error: unknown) => {
        logger.warn({ err: error }, `${what} failed`);
        return false;
      })
      .then((again) => {
        if (!stopped) timer = setTimeout(run, again ? 0 : intervalMs).unref();
      });
  };
  run();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
