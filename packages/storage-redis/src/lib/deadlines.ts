/** One call being timed by {@link fixedDeadlines}. @internal */
export interface Timed {
  /** Marks the call finished: its timeout will not fire. */
  finish(): void;
}

/**
 * Timeouts for calls that all wait the same `timeoutMs`, with one timer for all of them instead of a
 * `setTimeout`/`clearTimeout` pair per call (this runs on every store call). Calls started later end
 * later, so the waiting calls form a queue in deadline order: the timer is set for the oldest call still
 * waiting and, when it fires, expires every call past its deadline (each exactly once, no earlier than its
 * deadline) and is set again for the next. While no call waits the timer does not keep the process alive.
 * @internal
 */
export function fixedDeadlines(timeoutMs: number): (expire: () => void) => Timed {
  interface Entry extends Timed {
    readonly deadline: number;
    readonly expire: () => void;
    done: boolean;
  }
  let queue: Entry[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;

  const dropFinished = (): void => {
    while (head < queue.length && (queue[head] as Entry).done) head++;
    if (head === queue.length) {
      queue = [];
      head = 0;
      timer?.unref();
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  const sweep = (): void => {
    timer = undefined;
    const now = performance.now();
    for (; head < queue.length; head++) {
      const entry = queue[head] as Entry;
      if (entry.done) continue;
      if (entry.deadline > now) break;
      entry.done = true;
      entry.expire();
    }
    dropFinished();
    const next = queue[head];
    if (next !== undefined) timer = setTimeout(sweep, Math.max(1, next.deadline - now));
  };

  return (expire) => {
    const entry: Entry = {
      deadline: performance.now() + timeoutMs,
      expire,
      done: false,
      finish() {
        if (entry.done) return;
        entry.done = true;
        if (queue[head] === entry) dropFinished();
      },
    };
    queue.push(entry);
    if (timer === undefined) timer = setTimeout(sweep, timeoutMs);
    else timer.ref();
    return entry;
  };
}
