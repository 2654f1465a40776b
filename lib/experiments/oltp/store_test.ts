// The checkout transaction on real engines: under contention on a tiny stock, nothing is
// oversold, every order is whole, and the database holds exactly the commits clients saw.

import assert from "node:assert/strict";
import { startEngine } from "../../engines/mod.ts";
import { createCatalog } from "../../workload/generate.ts";
import { createRng } from "../../workload/rng.ts";
import { checkStock } from "../../checks/stock.ts";
import { classifyError } from "../../load/errors.ts";
import { mariadbStore } from "./mariadb.ts";
import { postgresStore } from "./postgres.ts";
import type { Isolation, OltpStore } from "./binding.ts";

async function hammer(store: OltpStore, isolation: Isolation, workers: number, perWorker: number) {
  const catalog = createCatalog("quick", 7);
  let committed = 0, outOfStock = 0, retried = 0;
  const run = async (w: number) => {
    const session = await store.session(isolation);
    const rng = createRng(100 + w);
    try {
      for (let i = 0; i < perWorker; i++) {
        const cart = rng.int(1, catalog.scale.carts);
        for (let attempt = 0;; attempt++) {
          try {
            const outcome = await session.checkout(cart, 1);
            if (outcome === "committed") committed++;
            else outOfStock++;
            break;
          } catch (err) {
            const kind = classifyError(err);
            if ((kind === "serialization_failure" || kind === "deadlock") && attempt < 50) {
              retried++;
              continue;
            }
            throw err;
          }
        }
        await session.orderStatus(rng.int(1, catalog.scale.orders));
      }
    } finally {
      await session.close();
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => run(w)));
  return { committed, outOfStock, retried };
}

for (const engine of ["postgres", "mariadb"] as const) {
  Deno.test(`${engine}: concurrent checkouts never oversell and keep every order whole`, async () => {
    await using e = await startEngine({ engine });
    const store = engine === "postgres" ? postgresStore(e.primary) : mariadbStore(e.primary);
    const loaded = await store.load(createCatalog("quick", 7), 6);
    assert.ok(loaded.rows > 5000, `loaded ${loaded.rows} rows`);
    for (const isolation of ["read committed", "serializable"] as const) {
      await store.reset();
      const counts = await hammer(store, isolation, 8, 25);
      const verdict = checkStock(await store.snapshot(), counts.committed);
      assert.deepEqual(verdict.examples, [], `${isolation}: ${verdict.examples.join("; ")}`);
      assert.equal(verdict.valid, true);
      assert.equal(verdict.orders, counts.committed);
      assert.ok(counts.outOfStock > 0, "a stock of 6 on hot products runs out");
      assert.ok(counts.committed > 0);
    }
  });
}
