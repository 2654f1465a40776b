/** Loopback ports and waiting: the small network facts every native engine needs. */

import { EngineError } from "./errors.ts";

/** The only address servers bind and clients target. */
export const LOOPBACK = "127.0.0.1";

/**
 * Server ports come from this range, below Linux's ephemeral range (32768–60999). A port the
 * OS hands out for port 0 lies in the ephemeral range, where client sockets in TIME-WAIT can
 * hold it before the server binds, and where a readiness poll of a server not yet listening
 * can connect to itself (a TCP self-connect: the client's source port equals the port it
 * dials). Client source ports never fall below 32768, so neither can happen here. The top
 * leaves room for Redis Cluster's bus (port + 10000 must stay below 32768 too).
 */
export const PORT_RANGE = { low: 12000, high: 22767 } as const;

const handedOut = new Set<number>();

/** True when nothing listens on the port on 127.0.0.1 (we can bind it right now). */
export function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: LOOPBACK, port }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * A port of {@link PORT_RANGE} that is free on 127.0.0.1 now and that this process has not
 * handed out before; with `alsoFree`, those offsets from it must be free too (Redis Cluster's
 * bus at +10000). Another process may still take it before the server binds: the native
 * launcher then starts the engine again on fresh ports ({@link PortTaken}).
 */
export function freePort(alsoFree: readonly number[] = []): number {
  const span = PORT_RANGE.high - PORT_RANGE.low + 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.low + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    if (!portFree(port) || !alsoFree.every((d) => portFree(port + d))) continue;
    handedOut.add(port);
    return port;
  }
  throw new EngineError(
    `no free port in ${PORT_RANGE.low}-${PORT_RANGE.high} on ${LOOPBACK}; stop what listens there`,
  );
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
