/**
 * A call that must answer within a time limit (a readiness check, a lag scrape): past the limit its signal
 * is aborted and the caller gets the limit's error at once, whatever the call still does.
 */
export async function withDeadline<T>(
  run: (signal: AbortSignal) => Promise<T>,
  limitMs: number,
  timedOut: () => Error,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = timedOut();
      controller.abort(error);
      reject(error);
    }, limitMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => run(controller.signal)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
