/**
 * What the harness-overhead benchmark needs from an engine (its binding interface): the C
 * tool its users benchmark it with (the peer), how to load the data both sides read, and the
 * harness techniques — client libraries or wire clients — that issue the same operation, one
 * in flight per connection, through lib/load's closed loop.
 *
 * @module
 */

import type { Engine, EngineNode } from "../../engines/mod.ts";
import type { OpFn } from "../../load/run.ts";
import type { Binding } from "../binding.ts";
import type { ToolResult } from "./tools.ts";

/** What a technique needs to know about the data. */
export interface HarnessData {
  /** pgbench scale: aids are 1 … 100 000 × scale. */
  pgScale: number;
  /** Redis keys `key:%012d` for 0 … keys − 1. */
  redisKeys: number;
  /** Clients on both sides. */
  clients: number;
  /** Measured seconds per run. */
  durationS: number;
}

/** A prepared harness: the operation for runClosedLoop and how to release it. */
export interface HarnessLoad {
  /** The operation (slot w uses connection w). */
  op: OpFn;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** One way for the harness to issue the operation. */
export interface Technique {
  /** Short id for the CSV's `technique` column. */
  id: string;
  /** One sentence for the CSV's `technique_detail` column: what the client does. */
  detail: string;
  /** Opens `clients` connections and returns the operation. */
  open(node: EngineNode, clients: number, data: HarnessData): Promise<HarnessLoad>;
}

/** An engine bound to the overhead benchmark. */
export interface OverheadBinding extends Binding {
  /** The operation both sides run, as rows name it (`pk_select`, `get`). */
  readonly op: string;
  /** Load the data both sides read. */
  prepare(engine: Engine, data: HarnessData): Promise<void>;
  /** Run the peer tool once for the configured duration. */
  tool(engine: Engine, data: HarnessData): Promise<ToolResult>;
  /** The harness techniques, baseline first. */
  readonly techniques: readonly Technique[];
}
