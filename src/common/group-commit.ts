/**
 * Group commit for an expensive durable step (an fsync): while one run is in flight, every new caller waits for one
 * follow-up run that starts when it ends. However many callers arrive, at most two runs are outstanding, and each
 * caller's promise settles only after a run that started after its call (so it covers the caller's writes). A failed
 * run fails its own callers; the follow-up still runs for the callers queued behind it (the step decides whether it
 * can succeed after a failure: an fsync that failed once must keep failing, which is the step's business).
 */
export class GroupCommit {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly step: () => Promise<void>) {}

  /** A run is in flight. */
  get busy(): boolean {
    return this.running !== null;
  }

  request(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    this.queued = this.running
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const run = this.step().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
