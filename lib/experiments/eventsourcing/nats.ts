/**
 * NATS JetStream's binding: the log between the outbox relay and the projectors. The relay
 * publishes each event with its global position as `Nats-Msg-Id`, so a relay that dies after
 * publishing and before saving its checkpoint republishes into JetStream's duplicate window
 * and the server drops the copies; each projection reads through its own durable pull
 * consumer with explicit acks, so a projector that dies before acking gets the batch again
 * (and its sink skips what its checkpoint already covers); a restarted projector's consumer is
 * recreated from the stream's start, so events reach the sink in order.
 *
 * @module
 */

import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  JSONCodec,
  nanos,
  type NatsConnection,
  StorageType,
} from "nats";
import { connectNats } from "../../engines/nats/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import type { Checkpoint, StoredEvent } from "./domain.ts";
import type { BusAdmin, EsBinding, FeedSource } from "./binding.ts";

/** NATS 2.9 with JetStream, one server, file storage. */
export const natsBinding: EsBinding = {
  name: "nats",
  engine: "nats",
  bus: (engine) => natsBus(engine.primary),
};

const STREAM = "ES";
const SUBJECT = "es.events";
const codec = JSONCodec<StoredEvent>();

class NatsSource implements FeedSource {
  #buffer: JsMsg[] = [];
  #taken: JsMsg[] = [];
  #wake: (() => void) | undefined;

  constructor(private readonly messages: ConsumerMessages, private readonly waitMs: number) {
    (async () => {
      for await (const m of messages) {
        this.#buffer.push(m);
        this.#wake?.();
      }
    })().catch(() => {});
  }

  async next(_from: Checkpoint, max: number): Promise<StoredEvent[]> {
    if (this.#buffer.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.waitMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    this.#taken = this.#buffer.splice(0, max);
    return this.#taken.map((m) => codec.decode(m.data));
  }

  ack() {
    for (const m of this.#taken) m.ack();
    this.#taken = [];
  }

  async close() {
    this.messages.stop();
    await this.messages.closed().catch(() => {});
  }
}

/** The bus on one NATS node (one connection for the relay, one per consumer). */
export async function natsBus(node: EngineNode): Promise<BusAdmin> {
  const nc: NatsConnection = await connectNats(node, { name: "dsbench-relay", timeoutMs: 5000 });
  const jsm: JetStreamManager = await nc.jetstreamManager();
  const js: JetStreamClient = nc.jetstream();
  const consumers: NatsConnection[] = [];
  return {
    async reset() {
      await jsm.streams.delete(STREAM).catch(() => {});
      await jsm.streams.add({
        name: STREAM,
        subjects: [SUBJECT],
        storage: StorageType.File,
        // De-duplication by Nats-Msg-Id (the event's position) within two minutes: longer than
        // any relay restart here.
        duplicate_window: nanos(120_000),
      });
    },
    async publish(events) {
      const acks = await Promise.all(
        events.map((e) => js.publish(SUBJECT, codec.encode(e), { msgID: String(e.position) })),
      );
      return acks.filter((a) => a.duplicate).length;
    },
    async source(name, ackWaitMs, maxPending) {
      // A (re)started projector gets its consumer anew, delivering from the stream's start in
      // order; its sink skips what its checkpoint covers. Keeping the old durable would
      // redeliver the dead consumer's unacknowledged batch only after the ack wait, while newer
      // events arrive at once: the checkpoint would then skip the older ones (lost updates,
      // seen in this experiment's first runs). A production projector would recreate it at the
      // stream sequence stored with its checkpoint instead of at the start.
      await jsm.consumers.delete(STREAM, name).catch(() => {});
      await jsm.consumers.add(STREAM, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ackWaitMs),
        // At most one batch outstanding (bounded memory; a lost ack is redelivered after ack_wait
        // and skipped by the sink's checkpoint).
        max_ack_pending: maxPending,
      }).catch((err) => {
        if (!String(err).includes("already")) throw err;
      });
      const c = await connectNats(node, { name: `dsbench-${name}`, timeoutMs: 5000 });
      consumers.push(c);
      const consumer = await c.jetstream().consumers.get(STREAM, name);
      const messages = await consumer.consume({ max_messages: maxPending });
      return new NatsSource(messages, 200);
    },
    async redelivered(name) {
      const info = await jsm.consumers.info(STREAM, name);
      return info.num_redelivered;
    },
    async close() {
      for (const c of consumers) await c.close().catch(() => {});
      await nc.close();
    },
  };
}
