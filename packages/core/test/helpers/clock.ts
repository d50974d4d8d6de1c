/** A clock tests move by hand. */
export function manualClock(start = Date.now()) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(value: number) {
      now = value;
    },
  });
}
