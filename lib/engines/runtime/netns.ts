/**
 * A private network made of Linux network namespaces (the recipe measured in
 * the team's shared ENGINES.md §7): one namespace per host, all joined by a bridge that lives in a
 * namespace of its own, so nothing is added to the machine's own network. Addresses are
 * private (10.x.y.0/24) and exist only inside these namespaces. Partitions are nftables rules
 * inside a host's namespace; heal deletes them.
 *
 * Every namespace is registered with the run's watchdog (./watchdog.ts) when it is created, so
 * a runner killed by SIGKILL still has them deleted. Clients in the runner's own namespace
 * reach servers through Unix sockets, which do not belong to any network namespace.
 *
 * @module
 */

import { EngineError, EngineUnavailable } from "./errors.ts";
import { releaseNetns, watchNetns } from "./watchdog.ts";
import { tail } from "./process.ts";

const IP = "/usr/sbin/ip";
const NFT = "/usr/sbin/nft";

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: out.success, text: dec.decode(out.stderr) + dec.decode(out.stdout) };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}

async function must(what: string, cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (!r.ok) throw new EngineError(`${what} failed: ${tail(r.text, 2)}`);
  return r.text;
}

/** One host of a {@link NetLab}: its namespace, address and interface. */
export interface NetHost {
  /** The name the caller gave (e.g. `n1`, `etcd`). */
  name: string;
  /** The namespace's name (`ip netns exec <netns> ...`). */
  netns: string;
  /** Its address on the lab's bridge. */
  address: string;
}

/** A set of hosts in their own network namespaces on one private bridge. */
export class NetLab {
  private partitioned = new Set<string>();
  private deleted = false;

  private constructor(
    readonly prefix: string,
    readonly switchNs: string,
    readonly hosts: readonly NetHost[],
  ) {}

  /**
   * Why namespaces cannot be made here (not root, no `ip`/`nft`, no permission), tried with a
   * throw-away namespace; undefined when they can.
   */
  static async unavailable(): Promise<string | undefined> {
    if (Deno.uid() !== 0) return "network namespaces need root";
    for (const bin of [IP, NFT]) {
      try {
        Deno.statSync(bin);
      } catch {
        return `${bin} not found (Debian iproute2 / nftables)`;
      }
    }
    const name = `dsbprobe${Deno.pid}`;
    const r = await run(IP, ["netns", "add", name]);
    await run(IP, ["netns", "del", name]);
    return r.ok ? undefined : `cannot create a network namespace: ${tail(r.text, 1)}`;
  }

  /** Create the bridge namespace and one namespace per host name (addresses .1, .2, ...). */
  static async create(hostNames: readonly string[]): Promise<NetLab> {
    const why = await NetLab.unavailable();
    if (why) throw new EngineUnavailable(why);
    const id = `${Deno.pid % 100000}${Math.floor(Math.random() * 1000)}`;
    const prefix = `dsb${id}`;
    // A private /24 whose middle octets vary so two labs' logs never look alike.
    const net = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
    const hosts = hostNames.map((name, i) => ({
      name,
      netns: `${prefix}-${name}`,
      address: `${net}.${i + 1}`,
    }));
    const lab = new NetLab(prefix, `${prefix}-sw`, hosts);
    try {
      await lab.addNs(lab.switchNs);
      await must("bridge", IP, ["-n", lab.switchNs, "link", "add", "br0", "type", "bridge"]);
      await must("bridge up", IP, ["-n", lab.switchNs, "link", "set", "br0", "up"]);
      for (const [i, h] of hosts.entries()) {
        await lab.addNs(h.netns);
        const port = `p${i}`;
        await must(`veth ${h.name}`, IP, [
          "link",
          "add",
          "eth0",
          "netns",
          h.netns,
          "type",
          "veth",
          "peer",
          "name",
          port,
          "netns",
          lab.switchNs,
        ]);
        await must("port", IP, ["-n", lab.switchNs, "link", "set", port, "master", "br0"]);
        await must("port up", IP, ["-n", lab.switchNs, "link", "set", port, "up"]);
        await must("lo up", IP, ["-n", h.netns, "link", "set", "lo", "up"]);
        await must("eth0 up", IP, ["-n", h.netns, "link", "set", "eth0", "up"]);
        await must("address", IP, ["-n", h.netns, "addr", "add", `${h.address}/24`, "dev", "eth0"]);
      }
      return lab;
    } catch (err) {
      await lab.delete();
      throw err;
    }
  }

  private async addNs(name: string) {
    watchNetns(name);
    await must(`ip netns add ${name}`, IP, ["netns", "add", name]);
  }

  /** The host of that name. */
  host(name: string): NetHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new EngineError(`netns: no host ${name}`);
    return h;
  }

  /** `argv` prefixed so it runs inside the host's namespace. */
  exec(host: string, argv: string[]): string[] {
    return [IP, "netns", "exec", this.host(host).netns, ...argv];
  }

  /**
   * Cut a host off from every other host of the lab: nftables drops everything in and out of
   * its bridge interface (its loopback keeps working). Idempotent.
   */
  async partition(host: string): Promise<void> {
    const h = this.host(host);
    if (this.partitioned.has(host)) return;
    const nft = (args: string[]) =>
      must(`nft ${host}`, IP, ["netns", "exec", h.netns, NFT, ...args]);
    await nft(["add", "table", "inet", "dsbpart"]);
    for (const [chain, hook, dir] of [["in", "input", "iifname"], ["out", "output", "oifname"]]) {
      await nft([
        "add",
        "chain",
        "inet",
        "dsbpart",
        chain,
        `{ type filter hook ${hook} priority 0; policy accept; }`,
      ]);
      await nft(["add", "rule", "inet", "dsbpart", chain, dir, "eth0", "drop"]);
    }
    this.partitioned.add(host);
  }

  /** Remove a host's partition rules. */
  async heal(host: string): Promise<void> {
    if (!this.partitioned.has(host)) return;
    await must(`heal ${host}`, IP, [
      "netns",
      "exec",
      this.host(host).netns,
      NFT,
      "delete",
      "table",
      "inet",
      "dsbpart",
    ]);
    this.partitioned.delete(host);
  }

  /** Delete every namespace (veth pairs go with them). Call after the servers stopped. */
  async delete(): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    for (const ns of [...this.hosts.map((h) => h.netns), this.switchNs]) {
      await run(IP, ["netns", "del", ns]);
      releaseNetns(ns);
    }
  }

  /** Synchronous {@link delete} for the emergency path at exit. */
  deleteNow(): void {
    if (this.deleted) return;
    this.deleted = true;
    for (const ns of [...this.hosts.map((h) => h.netns), this.switchNs]) {
      try {
        new Deno.Command(IP, { args: ["netns", "del", ns] }).outputSync();
      } catch { /* the watchdog finishes */ }
    }
  }
}
