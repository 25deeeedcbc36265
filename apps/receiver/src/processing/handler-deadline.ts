// a handler attempt's time bound: past it the attempt's signal is aborted and the attempt counts as failed

export class HandlerTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`handler timed out after ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/**
 * settles with `run`, or rejects with a HandlerTimeoutError after `timeoutMs`, aborting `controller`
 * so a handler that watches its signal can stop; one that does not is left behind, its slot freed
 */
export function withHandlerDeadline(
  run: Promise<void>,
  controller: AbortController,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new HandlerTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    run.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
