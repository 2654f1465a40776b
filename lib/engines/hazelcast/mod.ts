/**
 * Hazelcast 5.7: an in-memory data grid (Java). Natively, private JVM members started from the
 * jar the set-up fetches from Maven Central into its tool cache
 * (`~/.cache/dsbench/hazelcast-5.7.0/`), each with a generated XML configuration in the
 * engine's temp dir; docker (`hazelcast/hazelcast:5.5`) and `BENCH_HAZELCAST_URL` stay.
 *
 * A native member is HazelcastMemberStarter's start (configuration from `-Dhazelcast.config`)
 * wrapped by ./DsbenchMember.java, which adds a loopback HTTP endpoint with what no client can
 * read: the member's own map statistics (hits, get operations, evictions, owned and backup
 * entries), partition safety and the last migration. The class is compiled once per source
 * version into the tool cache (javac from the JDK the set-up installs).
 *
 * Every member binds 127.0.0.1 only (`hazelcast.socket.bind.any=false`, one interface), on a
 * port from {@link freePort}; multicast and auto-detection are off and members find each other
 * by a tcp-ip member list of loopback addresses. A member is ready when its statistics endpoint
 * reports the expected cluster size with every partition safe and a client's map put/get
 * through it answers.
 *
 * Options (`EngineSpec.options`): `members` (1–3, default 1), `backupCount` (0–3, default 1,
 * Hazelcast's default), `partitionCount` (default 271, Hazelcast's). Settings (the map
 * configuration of every map, recorded in results): `eviction-policy` (LRU, LFU, NONE, RANDOM),
 * `max-size-policy` (PER_NODE, USED_HEAP_SIZE, ...), `size`. Nodes are `primary`, `member2`,
 * `member3`; {@link addMember} starts one more member into a running cluster (a join under
 * load), {@link memberStats} reads a member's endpoint.
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { NativeEngine, nodeAt } from "../runtime/native.ts";
import { freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { exists, NativeServer, runTool, toolCache, which } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { connectHazelcast } from "./client.ts";
import { mapConfigOf, memberProperties, memberXml } from "./config.ts";

/** The Hazelcast version the set-up fetches (.ci/setup: hazelcast_version). */
export const HAZELCAST_VERSION = "5.7.0";

/** The member jar in the set-up's tool cache. */
export function hazelcastJar(): string {
  return `${toolCache()}/hazelcast-${HAZELCAST_VERSION}/hazelcast-${HAZELCAST_VERSION}.jar`;
}

/**
 * Heap of each member. 256 MiB holds the largest data set the experiments store (the catalog's
 * 63 MB of product pages, plus as much again in backups on a two-member cluster) with room for
 * G1; without a cap the JVM takes a quarter of the machine's memory per member, which three
 * members and the other engines of a shared two-core machine cannot spare.
 */
export const MEMBER_HEAP = "256m";

/** A member's statistics endpoint's answer (./DsbenchMember.java). */
export interface MemberStats {
  map: string;
  ownedEntries: number;
  backupEntries: number;
  ownedEntryMemoryCost: number;
  backupEntryMemoryCost: number;
  heapCost: number;
  /** Reads that found an entry of this member's partitions (LocalMapStats.getHits). */
  hits: number;
  /** Get operations this member served, found or not. */
  gets: number;
  puts: number;
  sets: number;
  removes: number;
  evictions: number;
  expirations: number;
  /** Members this member sees. */
  members: number;
  /** No partition replica is migrating or missing. */
  clusterSafe: boolean;
  localSafe: boolean;
  /** Age of the safety values (ms): a background thread evaluates them every 100 ms. */
  safeAgeMs: number;
  migrationsStarted: number;
  migrationsFinished: number;
  replicaMigrationsFailed: number;
  /** The last migration process that finished (as this member saw it), or null. */
  lastMigration: null | {
    startTime: number;
    planned: number;
    completed: number;
    remaining: number;
    elapsedMs: number;
  };
  heapUsedBytes: number;
  heapMaxBytes: number;
}

/** What a started native cluster keeps for its verbs. */
interface Cluster {
  engine: NativeEngine;
  /** Statistics port per node name. */
  statsPorts: Map<string, number>;
  /** Member (cluster) port per node name. */
  memberPorts: Map<string, number>;
  properties: Record<string, string>;
  mapConfig: Record<string, string>;
  classDir: string;
}

const clusters = new WeakMap<Engine, Cluster>();

function intOption(spec: EngineSpec, name: string, fallback: number, min: number, max: number) {
  const v = spec.options?.[name] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new EngineError(
      `hazelcast: options.${name} must be an integer ${min}..${max}, got ${v}`,
    );
  }
  return v;
}

/** Compile ./DsbenchMember.java once per source version into the tool cache. */
async function memberClassDir(): Promise<string> {
  const source = new URL("./DsbenchMember.java", import.meta.url);
  const text = await Deno.readFile(source);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", text));
  const hash = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const dir = `${toolCache()}/hazelcast-${HAZELCAST_VERSION}/dsbench-member-${hash}`;
  if (exists(`${dir}/DsbenchMember.class`)) return dir;
  const javac = which("javac");
  if (!javac) throw new EngineError("hazelcast: javac not found: install openjdk-17-jdk-headless");
  const tmp = `${dir}.tmp-${Deno.pid}`;
  await Deno.mkdir(tmp, { recursive: true });
  await runTool("javac DsbenchMember.java", {
    cmd: javac,
    args: ["-cp", hazelcastJar(), "-d", tmp, source.pathname],
  });
  try {
    await Deno.rename(tmp, dir);
  } catch {
    await Deno.remove(tmp, { recursive: true }); // another run compiled it meanwhile
  }
  return dir;
}

/** GET a member's statistics endpoint (native members only). */
export async function memberStats(engine: Engine, node = "primary", map = "cache") {
  const c = clusters.get(engine);
  const port = c?.statsPorts.get(node);
  if (!port) {
    throw new EngineError(
      `hazelcast: no statistics endpoint for ${node} (only native members have one)`,
    );
  }
  return await statsAt(port, map);
}

async function statsAt(port: number, map = "cache"): Promise<MemberStats> {
  const res = await fetch(`http://${LOOPBACK}:${port}/stats?map=${encodeURIComponent(map)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`hazelcast stats: ${body.error}`);
  return body as MemberStats;
}

/**
 * True when a member's statistics say the cluster has settled at `members` members: it sees
 * that many, and every partition was safe at a check less than a second old.
 */
export function settledStats(s: MemberStats, members: number): boolean {
  return s.members === members && s.clusterSafe && s.safeAgeMs < 1000;
}

/** True when the engine's members have statistics endpoints (native). */
export function hasMemberStats(engine: Engine): boolean {
  return clusters.has(engine);
}

/** Nodes of the cluster whose member process runs now. */
export function runningMembers(engine: Engine): EngineNode[] {
  const c = clusters.get(engine);
  if (!c) return [...engine.nodes];
  return engine.nodes.filter((n) => c.engine.server(n.name).running);
}

function memberServer(c: Cluster, node: EngineNode): NativeServer {
  const e = c.engine;
  const statsPort = c.statsPorts.get(node.name)!;
  const conf = `${node.dataDir}/hazelcast.xml`;
  return new NativeServer(
    node.name,
    node.role,
    node.port,
    node.dataDir!,
    `${e.runDir.path}/${node.name}.log`,
    e.runDir,
    () => ({
      cmd: "java",
      args: [
        `-Xmx${MEMBER_HEAP}`,
        "-Djava.net.preferIPv4Stack=true",
        `-Dhazelcast.config=${conf}`,
        "-cp",
        `${hazelcastJar()}:${c.classDir}`,
        "DsbenchMember",
        String(statsPort),
      ],
      // The shutdown hook turns SIGTERM into a graceful shutdown (see memberProperties).
      stopSignal: "SIGTERM",
    }),
  );
}

/** Ready: the member sees `members` members, every partition is safe, and put/get answers. */
async function memberReady(c: Cluster, node: EngineNode) {
  const members = runningMembers(c.engine).length;
  const s = await statsAt(c.statsPorts.get(node.name)!);
  if (!settledStats(s, members)) {
    throw new Error(`${node.name}: sees ${s.members} members, cluster safe ${s.clusterSafe}`);
  }
  await hazelcast.ping(node);
}

async function startMember(c: Cluster, name: string) {
  const e = c.engine;
  const port = c.memberPorts.get(name)!;
  const node = nodeAt(
    name,
    name === "primary" ? "primary" : "member",
    port,
    `hazelcast://${LOOPBACK}:${port}`,
    await e.runDir.subdir(name),
  );
  // Every member lists every member chosen so far: one that answers is enough to join.
  await Deno.writeTextFile(
    `${node.dataDir}/hazelcast.xml`,
    memberXml(
      port,
      [...c.memberPorts.values()],
      c.properties,
      c.mapConfig,
      Number(e.settings["backup-count"]),
    ),
  );
  await e.startNode(memberServer(c, node), node, () => memberReady(c, node));
  return node;
}

async function startHazelcastNative(spec: EngineSpec): Promise<Engine> {
  if (spec.port) throw new EngineError("hazelcast: a fixed port is not supported natively");
  const members = intOption(spec, "members", 1, 1, 3);
  const backupCount = intOption(spec, "backupCount", 1, 0, 3);
  const partitionCount = intOption(spec, "partitionCount", 271, 1, 1009);
  const mapConfig = mapConfigOf(spec);
  const classDir = await memberClassDir();
  return await NativeEngine.launch("hazelcast", spec, async (e) => {
    const c: Cluster = {
      engine: e,
      statsPorts: new Map(),
      memberPorts: new Map(),
      properties: memberProperties(partitionCount),
      mapConfig,
      classDir,
    };
    clusters.set(e, c);
    e.settings = {
      ...mapConfig,
      "backup-count": String(backupCount),
      members: String(members),
      "partition-count": String(partitionCount),
      heap: MEMBER_HEAP,
    };
    const names = Array.from({ length: members }, (_, i) => i ? `member${i + 1}` : "primary");
    for (const name of names) {
      c.memberPorts.set(name, freePort());
      c.statsPorts.set(name, freePort());
    }
    // One at a time: each waits until it sees every member started so far, so the last wait
    // is for the whole cluster.
    for (const name of names) await startMember(c, name);
    e.version = await hazelcast.version(e.primary);
  }, async (e) => {
    // After a restart every member must see the whole cluster again, partitions safe.
    const c = clusters.get(e)!;
    await waitUntil(async () => {
      for (const n of runningMembers(e)) await memberReady(c, n);
    }, { timeoutMs: e.timeoutMs, intervalMs: 100 });
  });
}

/**
 * Start one more member into a running native cluster (ready when every member sees it and
 * the partitions are safe again, i.e. migration to it is done). Returns the new node.
 */
export async function addMember(engine: Engine): Promise<EngineNode> {
  const c = clusters.get(engine);
  if (!c) throw new EngineError("hazelcast: addMember needs a native cluster");
  const name = `member${engine.nodes.length + 1}`;
  c.memberPorts.set(name, freePort());
  c.statsPorts.set(name, freePort());
  const node = await startMember(c, name);
  c.engine.settings.members = String(runningMembers(engine).length);
  return node;
}

/** Why the native provider cannot run Hazelcast here, or undefined. */
function nativeMissing() {
  if (!which("java")) {
    return { reason: "no java on PATH: install openjdk-17-jre-headless (.ci/setup)", fatal: true };
  }
  if (!which("javac")) {
    // DsbenchMember.java is compiled on first use (a JRE alone has no compiler).
    return { reason: "no javac: install openjdk-17-jdk-headless (.ci/setup)", fatal: true };
  }
  if (!exists(hazelcastJar())) {
    return {
      reason: `${hazelcastJar()} not found: .ci/setup fetches it from Maven Central`,
      fatal: true,
    };
  }
  return undefined;
}

/** Hazelcast's definition for the engine registry. */
export const hazelcast: EngineDefinition = {
  name: "hazelcast",
  describe: `Hazelcast ${HAZELCAST_VERSION} (jar from Maven Central, on the JDK)`,
  urlEnv: "BENCH_HAZELCAST_URL",
  // A real map put and get through a client connected to this member alone.
  ping: async (node) => {
    const client = await connectHazelcast(node, { network: { smartRouting: false } });
    try {
      const map = await client.getMap("dsbench-ready");
      const token = `${Date.now()}`;
      await map.set("ping", token);
      if ((await map.get("ping")) !== token) throw new Error("map get did not return the put");
    } finally {
      await client.shutdown();
    }
  },
  version: async (node) => {
    const client = await connectHazelcast(node);
    try {
      const [member] = client.getCluster().getMembers();
      const v = member?.version;
      return v ? `${v.major}.${v.minor}.${v.patch}` : "unknown";
    } finally {
      await client.shutdown();
    }
  },
  nativeMissing,
  startNative: startHazelcastNative,
  docker: {
    image: "hazelcast/hazelcast:5.5",
    port: 5701,
    readyLog: { pattern: /is STARTED/ },
    url: (host, port) => `hazelcast://${host}:${port}`,
  },
};
