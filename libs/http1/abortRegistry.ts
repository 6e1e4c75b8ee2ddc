interface Destroyable {
  destroy(err: Error): void;
}

/**
 * Destroys what is registered under an abort signal when it aborts, as the `signal` option
 * of node:http would, but with one listener per signal rather than one per request: a job's
 * signal covers every request of its copies, and AbortSignal warns past ten listeners.
 */
export class AbortRegistry {
  private readonly live = new WeakMap<AbortSignal, Set<Destroyable>>();

  /** Returns what unregisters `target`; destroys it at once when the signal has already aborted. */
  register(signal: AbortSignal, target: Destroyable): () => void {
    if (signal.aborted) {
      target.destroy(abortError());
      return () => {};
    }
    let targets = this.live.get(signal);
    if (!targets) {
      const registered = (targets = new Set());
      this.live.set(signal, registered);
      signal.addEventListener(
        'abort',
        () => {
          for (const t of registered) t.destroy(abortError());
          registered.clear();
        },
        { once: true },
      );
    }
    const registered = targets;
    registered.add(target);
    return () => registered.delete(target);
  }
}

export function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}
