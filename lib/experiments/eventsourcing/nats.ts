/**
 * NATS JetStream's binding: the log between the outbox relay and the projectors. The relay
 * publishes each event with its global position as `Nats-Msg-Id`, so a relay that dies after
 * publishing and before saving its checkpoint republishes into JetStream's duplicate window
 * and the server drops the copies; each projection reads through its own durable pull
 * consumer with explicit acks, so a projector that dies before acking gets the batch again
 * (and its sink skips what its checkpoint already covers).
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
      await jsm.consumers.add(STREAM, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ackWaitMs),
        // At most one batch unacknowledged: a consumer that dies holding a batch gets it
        // redelivered before anything newer, so the sink's checkpoint can skip duplicates
        // without skipping events (with a larger window, newer events arrive first after a
        // crash and the redelivered older ones look like duplicates: lost updates).
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
