/**
 * A counting semaphore: the copier's local cap on copies in flight across all jobs.
 * When slots are scarce, waiters with a higher job priority are served first.
 */
export class Slots {
  private used = 0;
  private readonly waiters: Array<{ priority: number; wake: () => void }> = [];

  constructor(readonly capacity: number) {}

  async acquire(priority = 0): Promise<void> {
    if (this.used < this.capacity) {
      this.used++;
      return;
    }
    await new Promise<void>((wake) => {
      const at = this.waiters.findIndex((w) => w.priority < priority);
      this.waiters.splice(at === -1 ? this.waiters.length : at, 0, { priority, wake });
    });
  }

  /** Takes up to `n` slots that are free right now; returns how many it took. */
  tryAcquire(n: number): number {
    const taken = Math.max(0, Math.min(n, this.capacity - this.used));
    this.used += taken;
    return taken;
  }

  release(n = 1): void {
    for (let i = 0; i < n; i++) {
      const next = this.waiters.shift();
      if (next) next.wake();
      else this.used--;
    }
  }
}
