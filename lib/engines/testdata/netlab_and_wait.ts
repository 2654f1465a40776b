// Creates a NetLab of two hosts, prints its namespace names, then waits to be killed.
import { NetLab } from "../runtime/netns.ts";
const lab = await NetLab.create(["a", "b"]);
console.log(JSON.stringify([...lab.hosts.map((h) => h.netns), lab.switchNs]));
await new Promise(() => {});
