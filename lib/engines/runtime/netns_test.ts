// Network namespaces: a partition really cuts traffic and the heal restores it; every
// namespace is deleted by delete(), and by the watchdog when the runner is SIGKILLed.
import assert from "node:assert/strict";
import { NetLab } from "./netns.ts";
import { sleep } from "./net.ts";

const why = await NetLab.unavailable();

function namespaces(): string[] {
  const out = new Deno.Command("ip", { args: ["netns", "list"] }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.split(" ")[0]).filter(
    Boolean,
  );
}

async function reach(lab: NetLab, from: string, to: string): Promise<boolean> {
  // bash's /dev/tcp with a timeout: no ping binary here. A refused connection (nothing
  // listens) means the packet got through; a timeout means it was dropped.
  const argv = lab.exec(from, [
    "timeout",
    "1",
    "bash",
    "-c",
    `exec 3<>/dev/tcp/${lab.host(to).address}/9`,
  ]);
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "piped" }).output();
  return out.code !== 124;
}

Deno.test({
  name: "netns: partition cuts a host off, heal restores it, delete removes every namespace",
  ignore: why !== undefined,
  fn: async () => {
    const lab = await NetLab.create(["a", "b"]);
    try {
      assert.equal(await reach(lab, "a", "b"), true);
      await lab.partition("b");
      assert.equal(await reach(lab, "a", "b"), false);
      await lab.heal("b");
      assert.equal(await reach(lab, "a", "b"), true);
    } finally {
      await lab.delete();
    }
    for (const h of lab.hosts) assert.ok(!namespaces().includes(h.netns));
  },
});

Deno.test({
  name: "netns: the watchdog deletes the namespaces of a runner killed by SIGKILL",
  ignore: why !== undefined,
  fn: async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../testdata/netlab_and_wait.ts", import.meta.url).pathname],
      stdout: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    const names = JSON.parse(new TextDecoder().decode(value).trim()) as string[];
    for (const n of names) assert.ok(namespaces().includes(n), `${n} exists`);
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    for (let i = 0; i < 50 && names.some((n) => namespaces().includes(n)); i++) await sleep(100);
    for (const n of names) assert.ok(!namespaces().includes(n), `${n} deleted`);
  },
});
