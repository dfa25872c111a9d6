/**
 * Coalesces restart requests. A burst of requests (settings saved twice, interpreter switched while a
 * restart is running, the user hammering "Restart Server") yields at most one restart in flight
 * plus one queued; every request resolves when a restart that began after it has finished.
 */
export type RestartTask = (reasons: readonly string[]) => Promise<void>;

export class RestartCoalescer {
  private running: Promise<void> | undefined;
  private queued: { promise: Promise<void>; reasons: string[] } | undefined;
  private disposed = false;

  /**
   * @param task does the actual stop + start; never runs concurrently with itself.
   * @param delayMs quiet period before a restart begins, so requests arriving together merge.
   */
  constructor(
    private readonly task: RestartTask,
    private readonly delayMs = 0,
  ) {}

  /** True while a restart is queued or running. */
  get busy(): boolean {
    return this.running !== undefined || this.queued !== undefined;
  }

  request(reason: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.queued) {
      if (!this.queued.reasons.includes(reason)) this.queued.reasons.push(reason);
      return this.queued.promise;
    }
    const reasons = [reason];
    const previous = this.running;
    const promise = (async (): Promise<void> => {
      if (previous) await previous.catch(() => undefined);
      await new Promise<void>((resolve) => setTimeout(resolve, this.delayMs));
      // From here on, new requests queue behind this run instead of joining it.
      this.queued = undefined;
      if (this.disposed) return;
      const run = this.task(reasons);
      this.running = run;
      try {
        await run;
      } finally {
        if (this.running === run) this.running = undefined;
      }
    })();
    this.queued = { promise, reasons };
    return promise;
  }

  /** Drops queued restarts (they resolve without running); a running one finishes. */
  dispose(): void {
    this.disposed = true;
  }
}
