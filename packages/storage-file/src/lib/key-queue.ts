/**
 * Serializes async work per id within this process: a call on an id starts when the previous one has
 * settled. The file store takes the cross-process lock inside it, so one process never competes with
 * itself for a lock file.
 * @internal
 */
export function keyQueue(): <T>(id: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<void>>();
  return async (id, work) => {
    const previous = tails.get(id) ?? Promise.resolve();
    let done!: () => void;
    const gate = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = previous.then(() => gate);
    tails.set(id, tail);
    await previous;
    try {
      return await work();
    } finally {
      done();
      if (tails.get(id) === tail) tails.delete(id);
    }
  };
}
