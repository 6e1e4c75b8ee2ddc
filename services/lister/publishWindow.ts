/**
 * Bounds the publishes a listing has outstanding without racing every one of them on
 * each add (Promise.race over hundreds per item cost more than the publish). The first
 * failure is thrown by the next add() or drain(); the listing then stops and resumes
 * from its checkpoint.
 */
export class PublishWindow {
  private outstanding = 0;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly max: number) {}

  /**
   * Tracks a publish. Answers undefined while there is room, so a page of publishes goes
   * out without yielding (the NATS client then writes them to its socket together), else a
   * promise that resolves when there is room again.
   */
  add(publish: Promise<unknown>): Promise<void> | undefined {
    this.outstanding++;
    publish.then(
      () => this.settled(),
      (error: unknown) => {
        this.failure ??= { error };
        this.settled();
      },
    );
    if (this.failure) return Promise.reject(this.failure.error);
    return this.outstanding >= this.max ? this.room() : undefined;
  }

  private async room(): Promise<void> {
    while (this.outstanding >= this.max && !this.failure) await this.change();
    if (this.failure) throw this.failure.error;
  }

  /** Resolves once every tracked publish is stored. */
  async drain(): Promise<void> {
    while (this.outstanding > 0 && !this.failure) await this.change();
    if (this.failure) throw this.failure.error;
  }

  private change(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private settled(): void {
    this.outstanding--;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
