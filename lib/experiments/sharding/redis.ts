/**
 * The single-server Redis binding: the session store the cluster is compared against.
 *
 * @module
 */

import { connectRedis } from "../../engines/redis/client.ts";
import type { ShardingBinding } from "./binding.ts";
import { redisSessionStore } from "./redis_sessions.ts";

/** Redis 7, one server (no replicas, no persistence). */
export const redisBinding: ShardingBinding = {
  name: "redis",
  engine: "redis",
  sessions: {
    store: (engine) =>
      Promise.resolve(
        redisSessionStore(false, () => connectRedis(engine.primary, { maxRetriesPerRequest: 2 }), {
          nodes: async () => [await connectRedis(engine.primary)],
        }),
      ),
  },
};
