/**
 * Redis's client helpers (ioredis): a client that fails fast, one-off commands for set-up and
 * checks, `INFO` parsing, and bulk loading through pipelines.
 *
 * @module
 */

import { Redis, type RedisOptions } from "ioredis";
import type { EngineNode } from "../types.ts";

/** A connected ioredis client that fails fast instead of reconnecting forever. */
export async function connectRedis(
  node: Pick<EngineNode, "url">,
  options: RedisOptions = {},
): Promise<Redis> {
  const client = new Redis(node.url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    ...options,
  });
  // Failures reach callers through rejected commands; without a listener ioredis also
  // prints every connection error as "Unhandled error event".
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Run one command on a fresh connection (set-up and checks, not hot loops). */
export async function redisCommand(
  node: Pick<EngineNode, "url">,
  command: string,
  ...args: (string | number)[]
) {
  const client = await connectRedis(node);
  try {
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/** Parse an `INFO` section into key → value. */
export function parseRedisInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Run commands through Redis pipelines of `batch` commands; returns how many ran. */
export async function pipelineIntoRedis<T>(
  client: Redis,
  items: Iterable<T>,
  add: (pipeline: ReturnType<Redis["pipeline"]>, item: T) => void,
  batch = 1000,
): Promise<number> {
  let pipeline = client.pipeline();
  let pending = 0;
  let n = 0;
  for (const item of items) {
    add(pipeline, item);
    if (++pending === batch) {
      await execOrThrow(pipeline);
      n += pending;
      pending = 0;
      pipeline = client.pipeline();
    }
  }
  if (pending > 0) await execOrThrow(pipeline);
  return n + pending;
}

async function execOrThrow(pipeline: ReturnType<Redis["pipeline"]>) {
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}
