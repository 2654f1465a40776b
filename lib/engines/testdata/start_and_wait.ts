// Test fixture: start an engine from argv, print "STARTED <json>" (or "STARTING" first), then
// wait forever, so the test can signal or SIGKILL this runner at a chosen moment.
import { startEngine } from "../mod.ts";

const [engine, replicas, label] = Deno.args;
console.log("STARTING");
const started = await startEngine({
  engine,
  replicas: Number(replicas ?? 0),
  label,
});
console.log(`STARTED ${JSON.stringify({ primary: started.primary, replicas: started.replicas })}`);
await new Promise(() => {});
