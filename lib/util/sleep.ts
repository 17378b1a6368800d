/**
 * Wait `ms`, or less when `signal` aborts (resolves either way: the caller checks why it woke).
 * For polls (health, Swarm convergence) that must end promptly on an interrupt.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
