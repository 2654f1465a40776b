/**
 * Live counters of a load run for whoever displays progress (the experiment runner's bar, a
 * notebook's display): every half second the run's state goes to a callback. The load runner
 * itself never writes to the terminal, so a test or a notebook sees no stray lines.
 *
 * @module
 */

/** What a load run reports on each tick. */
export interface ProgressState {
  /** "warmup" or "measure". */
  phase: string;
  /** Successful measured operations so far. */
  ops: number;
  /** Failed measured operations so far. */
  errors: number;
}

/** Receives a load run's state every tick. */
export type ProgressTick = (state: ProgressState) => void;

/**
 * Calls `tick(poll())` every `intervalMs` until the returned function is called (once more
 * then, with the final state). Without a tick it does nothing. The timer is unref'd so it
 * never keeps a process alive.
 */
export function startTicks(
  poll: () => ProgressState,
  tick: ProgressTick | undefined,
  intervalMs = 500,
): () => void {
  if (!tick) return () => {};
  const id = setInterval(() => tick(poll()), intervalMs);
  Deno.unrefTimer(id);
  return () => {
    clearInterval(id);
    tick(poll());
  };
}
