// The PostgreSQL event store's feed on a real server: every event once, in (tx, position)
// order, when transaction ids cross a power of ten and positions cross 9 → 10 — where a feed
// sorted on its text output columns put "1000" before "998" and "10" before "9", so a batch's
// last event was not its greatest and the checkpoint skipped some events and re-read others
// (the read models then differed from their rebuild after the fault runs). The outbox the
// relay reads is held to the same order.

import assert from "node:assert/strict";
import { connectPostgres } from "../../engines/postgres/client.ts";
import { withBinding } from "../binding.ts";
import { after, type Checkpoint, ORIGIN, type StoredEvent } from "./domain.ts";
import { postgresBinding } from "./postgres.ts";

const key = (e: Checkpoint) => `${e.tx}:${e.position}`;

Deno.test("eventsourcing: the store's feed reads every event once, in (tx, position) order", async () => {
  const ran = await withBinding(postgresBinding, {}, (why) => {
    throw new Error(why);
  }, async (engine) => {
    const admin = await postgresBinding.eventStore!(engine);
    const raw = await connectPostgres(engine.primary);
    try {
      await admin.setup([{ id: 1, priceCents: 100 }], 1000);
      // Burn transaction ids (one per committed loop turn) until the next is three below a
      // power of ten, so the eight appends below run in transactions on both sides of it.
      const { rows: [{ x }] } = await raw.query<{ x: string }>(
        "SELECT pg_current_xact_id()::text AS x",
      );
      const next = Number(x) + 1;
      const boundary = 10 ** Math.ceil(Math.log10(next + 4));
      assert.ok(boundary - next < 200_000, `xid ${next} is too far from ${boundary}`);
      await raw.query(
        `DO $$ BEGIN FOR i IN 1..${boundary - next - 3} LOOP
           PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
      );
      const s = await admin.session("events");
      for (let order = 1; order <= 8; order++) {
        assert.ok((await s.place(order, 1, [{ product: 1, quantity: 1, priceCents: 100 }])).ok);
      }
      await s.close();

      // Read as a projector does: small batches, each resuming after the last event returned.
      const source = await admin.source("poll", 1);
      const got: StoredEvent[] = [];
      let cp: Checkpoint = ORIGIN;
      for (let guard = 0; guard < 100; guard++) {
        const batch = await source.next(cp, 3);
        if (batch.length === 0) break;
        got.push(...batch);
        cp = batch[batch.length - 1];
      }
      await source.close();
      assert.ok(got.some((e) => e.tx < boundary) && got.some((e) => e.tx >= boundary));
      assert.deepEqual(got.map((e) => e.position), Array.from({ length: 16 }, (_, i) => i + 1));
      for (let i = 1; i < got.length; i++) {
        assert.ok(after(got[i], got[i - 1]), `${key(got[i])} came after ${key(got[i - 1])}`);
      }
      // The newest checkpoint and the rebuild's read agree with that order.
      assert.equal(key((await admin.head()).checkpoint), key(got[got.length - 1]));
      const all: StoredEvent[] = [];
      for await (const batch of admin.allEvents()) all.push(...batch);
      assert.deepEqual(all.map(key), got.map(key));

      // The outbox (written by the same appends) reads in the same order; the relay's
      // checkpoint deletes the rows it covers, and a requeue brings every event back.
      const outboxed = async () =>
        Number(
          (await raw.query<{ n: string }>("SELECT count(*)::text AS n FROM outbox")).rows[0].n,
        );
      const outbox = await admin.outbox(1);
      const relayed: StoredEvent[] = [];
      let ocp = await outbox.get();
      for (let guard = 0; guard < 100; guard++) {
        const batch = await outbox.next(ocp, 3);
        if (batch.length === 0) break;
        relayed.push(...batch);
        ocp = batch[batch.length - 1];
        await outbox.set(ocp);
        assert.equal(await outboxed(), got.length - relayed.length);
      }
      assert.deepEqual(relayed.map(key), got.map(key));
      assert.deepEqual(relayed, got);
      await admin.requeueOutbox();
      assert.equal(await outboxed(), got.length);
      assert.equal(key(await outbox.get()), key(ORIGIN));
      assert.equal((await outbox.next(ORIGIN, 100)).length, got.length);
      await outbox.close();
    } finally {
      await raw.end();
      await admin.close();
    }
    return true;
  });
  assert.equal(ran, true);
});
