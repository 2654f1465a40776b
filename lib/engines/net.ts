/** Loopback ports and waiting: the small network facts every native engine needs. */

import { EngineError } from "./errors.ts";

/** The only address servers bind and clients target. */
export const LOOPBACK = "127.0.0.1";

/** A port that is free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Throw a one-line error when a port the user asked for is already taken. */
export function assertPortFree(port: number, what: string): void {
  try {
    Deno.listen({ hostname: LOOPBACK, port }).close();
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new EngineError(
        `${what}: port ${port} on ${LOOPBACK} is taken; stop whatever listens there or leave the port unset to pick a free one`,
      );
    }
    throw err;
  }
}

/** True when something accepts TCP connections on the port. */
export async function portAnswers(port: number, hostname = LOOPBACK): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Retry `probe` until it succeeds or `timeoutMs` passes; `abort` is checked between tries
 * so a server that died stops the wait at once with its own error.
 */
export async function waitUntil<T>(
  probe: () => Promise<T>,
  { timeoutMs, intervalMs = 50, abort }: {
    timeoutMs: number;
    intervalMs?: number;
    abort?: () => Error | undefined;
  },
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (true) {
    const reason = abort?.();
    if (reason) throw reason;
    try {
      return await probe();
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) {
      const detail = last instanceof Error ? last.message : String(last);
      throw new Error(`not ready after ${Math.round(timeoutMs / 1000)} s (last error: ${detail})`);
    }
    await sleep(intervalMs);
  }
}
