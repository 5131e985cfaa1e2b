// One time budget per runtime request (DESIGN.md "Non-functional": every runtime call answers within
// 20 s, under Forge's 25 s for a resolver). Everything the request waits for outside the companion
// takes its time from this one budget: the parent values read from Jira, an OAuth token, a retry,
// the datasource itself and every field of a recalculation. Each step keeps its own timeout too;
// it only gets shorter when less than that is left, so a sum of steps can never outlive the budget.
//
// Real time (not the companion's Clock): the budget is enforced with timers on real sockets, and a
// fake clock that never moves would let a stalled upstream hold a request for ever.

/** The longest budget there is: Forge stops a resolver after 25 s, and the function needs some too. */
export const MAX_DEADLINE_MS = 20_000;
/**
 * What the upstream steps leave for the companion's own work after the last answer (mapping rows,
 * serialising the answer), so that the answer itself leaves within the budget.
 */
export const ANSWER_RESERVE_MS = 250;

export class Deadline {
  /** When the request arrived (performance.now() ms): what the caches must have seen by then. */
  readonly startedAt: number;
  private readonly endsAt: number;

  /**
   * @param budgetMs  the whole request's budget (config `COMPANION_DEADLINE_MS`)
   * @param elapsedMs what the request already spent before the deadline was made (routing, auth)
   */
  constructor(
    readonly budgetMs: number,
    elapsedMs = 0,
  ) {
    const reserve = Math.min(ANSWER_RESERVE_MS, budgetMs / 10);
    this.startedAt = performance.now() - elapsedMs;
    this.endsAt = this.startedAt + budgetMs - reserve;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /**
   * A step's own timeout, shortened to what is left of the budget; at least 1 ms (for drivers 0
   * means "no timeout"), so check `expired()` before starting a step.
   */
  timeoutFor(ownMs: number): number {
    return Math.max(1, Math.min(ownMs, Math.ceil(this.remainingMs())));
  }

  /**
   * `work`, or `tooSlow()` as soon as the budget runs out, whichever comes first. For steps that
   * cannot be cancelled from here (a pooled SQL connection being opened): the request answers on
   * time, and the step ends by its own timeout.
   */
  race<T>(work: Promise<T>, tooSlow: () => Error): Promise<T> {
    if (this.expired()) {
      work.catch(() => undefined);
      return Promise.reject(tooSlow());
    }
    // A plain timer, cleared as soon as the work settles (an AbortSignal.timeout lives until it
    // fires, and costs more to make); unref'd: it never keeps the process alive.
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(tooSlow()), Math.ceil(this.remainingMs()));
      timer.unref();
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
