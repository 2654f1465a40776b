/**
 * The cache bindings for Hazelcast: an IMap named `cache` through hazelcast-client, plain
 * (`hazelcast`) and with a client-side near cache (`hazelcast-near`).
 *
 * Size limit: `USED_HEAP_SIZE`, in MiB of entry memory per member (Hazelcast's
 * `ownedEntryMemoryCost`: key, value and its record overhead, ~130 B per entry here). That is
 * the counterpart of Redis's `maxmemory` — a byte budget that includes the engine's own
 * per-entry overhead — rather than an entry count (`PER_NODE`), which would hold the budget's
 * bytes only for entries of average size, and which Hazelcast divides among its 271 partitions
 * (a budget of a few hundred entries then keeps one per partition whatever the limit). Like
 * Memcached's `-m`, the limit is whole MiB: a budget is rounded up (1 % of the hot set, 0.6 MB,
 * becomes 1 MiB; rows record the limit in effect). One member per budget: the map configuration
 * is fixed at start (the Node.js client has no dynamic configuration).
 *
 * Counters: a client cannot read a map's statistics, so native members expose theirs
 * (lib/engines/hazelcast/DsbenchMember.java). Engine hits are the members' `hits`, engine
 * misses their get operations that found nothing (`gets − hits`), as deltas from the last reset
 * summed over running members. With a near cache, lookups it answers never reach a member:
 * the engine side adds the near caches' own hit counts (hazelcast-client's statistics), and a
 * near-cache miss is the member get behind it. Hazelcast also counts a SET that replaces a
 * stored entry as a hit (measured: set, set, get gives 2 hits); the hit-ratio cell counts those
 * overwrites (two workers missing the same key) and takes them off (`overwriteCountsAsHit`).
 * Docker or external members have no endpoint:
 * `hasCounters` is then false and the check reports "engine counters unavailable".
 *
 * @module
 */

import { connectHazelcast } from "../../engines/hazelcast/client.ts";
import {
  addMember,
  hasMemberStats,
  type MemberStats,
  memberStats,
  runningMembers,
  settledStats,
} from "../../engines/hazelcast/mod.ts";
import type { Engine } from "../../engines/mod.ts";
import { waitUntil } from "../../engines/runtime/net.ts";
import type {
  CacheBackend,
  CacheBinding,
  CacheClient,
  CacheCounters,
  ClusterControl,
} from "./binding.ts";

const MAP = "cache";
const MIB = 1024 * 1024;

/**
 * Near cache of the `hazelcast-near` binding: per client (each worker is its own application
 * instance, with its own near cache), LRU, at most 1000 entries (5 % of the default catalog),
 * BINARY like the member, invalidated by the members' events on every change and eviction.
 */
export const NEAR_CACHE = {
  invalidateOnChange: true,
  inMemoryFormat: "BINARY",
  evictionPolicy: "LRU",
  evictionMaxSize: 1000,
} as const;

// deno-lint-ignore no-explicit-any
type HzClient = any;

function mapClient(hz: HzClient, map: HzClient, owned: boolean): CacheClient {
  return {
    get: async (key) => (await map.get(key)) ?? null,
    async getMany(keys) {
      if (keys.length === 0) return [];
      const found = new Map<string, string>(await map.getAll([...keys]));
      return keys.map((k) => found.get(k) ?? null);
    },
    async set(key, value, ttlS = 0) {
      await map.set(key, value, ttlS > 0 ? ttlS * 1000 : undefined);
    },
    async setMany(entries, ttlS = 0) {
      if (entries.length === 0) return;
      if (ttlS > 0) {
        await Promise.all(entries.map(([k, v]) => map.set(k, v, ttlS * 1000)));
      } else {
        await map.setAll(entries.map(([k, v]) => [k, v]));
      }
    },
    async del(key) {
      await map.delete(key);
    },
    close: async () => {
      if (owned) await hz.shutdown();
    },
  };
}

/** Near-cache hits of a map proxy (hazelcast-client's NearCache statistics). */
function nearHits(map: HzClient): number {
  return Number(map?.nearCache?.getStatistics?.().hitCount ?? 0);
}

/** A {@link CacheBackend} for a reachable Hazelcast member, optionally with near caches. */
export function hazelcastBackend(engine: Engine, near = false): Promise<CacheBackend> {
  // Plain: one client, shared by the workers (it is thread-safe and multiplexes, like a pool).
  // Near: a client per worker, each with its own near cache.
  let shared: HzClient | undefined;
  let sharedMap: HzClient | undefined;
  const workerMaps: HzClient[] = [];
  const connect = () =>
    connectHazelcast(engine.primary, near ? { nearCaches: { [MAP]: NEAR_CACHE } } : {});
  const admin = async () => {
    if (!shared) {
      shared = await connectHazelcast(engine.primary);
      sharedMap = await shared.getMap(MAP);
    }
    return sharedMap;
  };
  const counted = hasMemberStats(engine);
  let base = { hits: 0, gets: 0, evictions: 0, near: 0 };
  const totals = async () => {
    const stats: MemberStats[] = await Promise.all(
      runningMembers(engine).map((n) => memberStats(engine, n.name, MAP)),
    );
    const sum = (k: keyof MemberStats) => stats.reduce((a, s) => a + Number(s[k]), 0);
    return {
      hits: sum("hits"),
      gets: sum("gets"),
      evictions: sum("evictions"),
      items: sum("ownedEntries"),
      owned: sum("ownedEntryMemoryCost"),
      backup: sum("backupEntryMemoryCost"),
      near: workerMaps.reduce((a, m) => a + nearHits(m), 0),
    };
  };
  return Promise.resolve({
    engine,
    hasCounters: counted,
    overwriteCountsAsHit: true,
    async client() {
      if (!near) return mapClient(shared, await admin(), false);
      const hz = await connect();
      const map = await hz.getMap(MAP);
      workerMaps.push(map);
      return mapClient(hz, map, true);
    },
    async counters(): Promise<CacheCounters> {
      if (!counted) {
        const items = await (await admin()).size();
        return { hits: 0, misses: 0, evictions: 0, items, memoryBytes: 0, dataBytes: 0 };
      }
      const t = await totals();
      const memberHits = t.hits - base.hits;
      return {
        hits: memberHits + (t.near - base.near),
        misses: t.gets - base.gets - memberHits,
        evictions: t.evictions - base.evictions,
        items: t.items,
        // What the members hold for the map (owned entries and, on a cluster, backups).
        memoryBytes: t.owned + t.backup,
        dataBytes: t.owned,
      };
    },
    async resetCounters() {
      if (!counted) return;
      const t = await totals();
      base = { hits: t.hits, gets: t.gets, evictions: t.evictions, near: t.near };
    },
    async flush() {
      await (await admin()).clear();
    },
    async close() {
      // The next call reconnects (after a restart of the member).
      const hz = shared;
      shared = undefined;
      sharedMap = undefined;
      await hz?.shutdown();
    },
  });
}

/** The member start settings of an eviction policy with a data budget (whole MiB, ≥ 1). */
export function hazelcastBudget(dataBytes: number, policy: string) {
  const mib = Math.max(1, Math.ceil(dataBytes / MIB));
  return {
    settings: {
      "eviction-policy": policy.toUpperCase(),
      "max-size-policy": "USED_HEAP_SIZE",
      size: mib,
    },
    applied: {
      limitBytes: mib * MIB,
      config: {
        "eviction-policy": policy.toUpperCase(),
        "max-size-policy": "USED_HEAP_SIZE",
        size: mib,
      },
    },
  };
}

/**
 * Hazelcast clusters: a join is {@link addMember} (ready when the new member sees the whole
 * cluster and every partition is safe, i.e. the migration is over), the migration's time and
 * size as the master (the oldest member, `primary`) reports its last migration process.
 */
export const hazelcastCluster: ClusterControl = {
  spec: (members, backupCount) => ({ options: { members, backupCount } }),
  async join(engine) {
    const before = (await memberStats(engine)).migrationsFinished;
    const node = await addMember(engine);
    // The master publishes the migration's end just after the partitions are safe.
    const stats = await waitUntil(async () => {
      const s = await memberStats(engine);
      if (s.migrationsFinished <= before || !s.lastMigration) throw new Error("migrating");
      return s;
    }, { timeoutMs: 10_000, intervalMs: 50 }).catch(() => undefined);
    const m = stats?.lastMigration;
    return {
      node: node.name,
      migrationS: m ? m.elapsedMs / 1000 : NaN,
      migrations: m ? m.completed : 0,
    };
  },
  async settled(engine, timeoutMs = 60_000) {
    await waitUntil(async () => {
      const running = runningMembers(engine);
      for (const n of running) {
        const s = await memberStats(engine, n.name);
        if (!settledStats(s, running.length)) {
          throw new Error(`${n.name} sees ${s.members} members, safe ${s.clusterSafe}`);
        }
      }
    }, { timeoutMs, intervalMs: 100 });
  },
};

const persistence: CacheBinding["persistence"] = [
  // One member: an in-memory grid without Hazelcast's (Enterprise) persistence keeps nothing.
  { id: "none", settings: {} },
  // Two members, one backup of every partition: a restarted member's data lives on in the
  // other member's backups (promoted to owners when it leaves), then migrates back.
  { id: "backup_1_of_2", settings: {}, options: { members: 2, backupCount: 1 } },
];

/**
 * Hazelcast 5.7, plain client: LRU and LFU eviction on `USED_HEAP_SIZE` (see the module
 * comment), one member per budget; a 2-member cluster for the cluster part.
 */
export const hazelcastBinding: CacheBinding = {
  name: "hazelcast",
  engine: "hazelcast",
  policies: [
    { id: "lru", settings: {} },
    { id: "lfu", settings: {} },
  ],
  // Three of the sweep's budgets (the smallest, the ADR's 10 % and the largest): each budget
  // is a member start (~5 s of JVM start-up on two shared cores), per policy.
  budgetsPct: [1, 10, 50],
  budget: { kind: "start", settings: hazelcastBudget },
  // No eviction policy: the map holds everything (the consistency runs must not evict).
  unbounded: {},
  persistence,
  backend: (engine) => hazelcastBackend(engine, false),
  cluster: hazelcastCluster,
};

/**
 * Hazelcast with a near cache per worker: LRU at 10 % of the hot set only in the sweep (the
 * member's eviction is the plain binding's; the near cache changes where hits are served and
 * how fast), the consistency runs (near
 * caches are invalidated asynchronously, by events), no session or cluster runs of its own.
 */
export const hazelcastNearBinding: CacheBinding = {
  name: "hazelcast-near",
  engine: "hazelcast",
  policies: [{ id: "lru", settings: {} }],
  // One budget, the ADR's comparison point: each budget is a member start.
  budgetsPct: [10],
  budget: { kind: "start", settings: hazelcastBudget },
  unbounded: {},
  persistence: [],
  backend: (engine) => hazelcastBackend(engine, true),
};
