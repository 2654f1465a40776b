/**
 * A minimal Redis (RESP2) client for hot load loops: one connection over `Deno.connect`, one
 * command in flight, the request encoded into a reused buffer and the reply parsed in place.
 * It exists because ioredis in a plain loop reaches ~0.6 of redis-benchmark on 2 shared
 * cores: its per-command objects, queues and stream events cost more client CPU than Redis
 * spends on a GET. Not a general driver (no pub/sub, no AUTH, no reconnects): experiments
 * use ioredis (lib/engines/redis.ts); this is for the harness-overhead benchmark and loops
 * that must keep up with redis-benchmark.
 *
 * @module
 */

import { ByteReader, openWire, type Transport, type WireConn } from "./bytereader.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** An error reply (`-ERR ...`); `code` is its first word (e.g. "ERR", "LOADING"). */
export class RespError extends Error {
  /** First word of the reply, e.g. "WRONGTYPE". */
  readonly code: string;
  /** @param text the error line without the leading "-". */
  constructor(text: string) {
    super(text);
    this.name = "RespError";
    this.code = text.split(" ", 1)[0];
  }
}

/** A decoded reply: simple/bulk string, integer, nil, array, or an error inside an array. */
export type RespValue = string | number | null | RespError | RespValue[];

/**
 * Parses one reply from `buf[start, end)`. Returns the value and the offset after it, or
 * undefined if the reply is not complete yet (read more and call again from `start`).
 */
export function parseReply(
  buf: Uint8Array,
  start: number,
  end: number,
): { value: RespValue; next: number } | undefined {
  if (start >= end) return undefined;
  let eol = -1;
  for (let i = start + 1; i + 1 < end; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10) {
      eol = i;
      break;
    }
  }
  if (eol < 0) return undefined;
  const type = buf[start];
  if (type === 0x2b /* + */ || type === 0x2d /* - */) {
    const text = dec.decode(buf.subarray(start + 1, eol));
    return { value: type === 0x2b ? text : new RespError(text), next: eol + 2 };
  }
  const n = parseIntAscii(buf, start + 1, eol);
  if (type === 0x3a /* : */) return { value: n, next: eol + 2 };
  if (type === 0x24 /* $ */) {
    if (n < 0) return { value: null, next: eol + 2 };
    const from = eol + 2;
    if (end < from + n + 2) return undefined;
    return { value: ascii(buf, from, from + n), next: from + n + 2 };
  }
  if (type === 0x2a /* * */) {
    if (n < 0) return { value: null, next: eol + 2 };
    const out: RespValue[] = [];
    let at = eol + 2;
    for (let k = 0; k < n; k++) {
      const r = parseReply(buf, at, end);
      if (r === undefined) return undefined;
      out.push(r.value);
      at = r.next;
    }
    return { value: out, next: at };
  }
  throw new Error(`resp: unexpected reply type byte ${type}`);
}

function parseIntAscii(buf: Uint8Array, from: number, to: number): number {
  let neg = false;
  let i = from;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  let n = 0;
  for (; i < to; i++) n = n * 10 + (buf[i] - 48);
  return neg ? -n : n;
}

/** Decodes a span, without a TextDecoder call when short and ASCII. */
function ascii(buf: Uint8Array, from: number, to: number): string {
  if (to - from > 32) return dec.decode(buf.subarray(from, to));
  let s = "";
  for (let i = from; i < to; i++) {
    if (buf[i] > 0x7f) return dec.decode(buf.subarray(from, to));
    s += String.fromCharCode(buf[i]);
  }
  return s;
}

/** Encodes a command as a RESP array of bulk strings into `out` (grown if needed). */
export function encodeCommand(
  args: readonly (string | number)[],
  out: Uint8Array = new Uint8Array(256),
): Uint8Array {
  let need = 16;
  const texts = args.map(String);
  for (const t of texts) need += 16 + t.length * 3;
  if (out.length < need) out = new Uint8Array(need * 2);
  let o = writeAscii(out, 0, `*${texts.length}\r\n`);
  for (const t of texts) {
    // length in bytes: encode first, then write the header before it
    const body = out.subarray(o + 16);
    const w = enc.encodeInto(t, body).written;
    const header = `$${w}\r\n`;
    out.copyWithin(o + header.length, o + 16, o + 16 + w);
    o = writeAscii(out, o, header) + w;
    out[o++] = 13;
    out[o++] = 10;
  }
  return out.subarray(0, o);
}

function writeAscii(out: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
  return o;
}

/** Parses `redis://host:port` (no auth, no db selection). */
export function parseRedisUrl(url: string): { hostname: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== "redis:") throw new Error(`resp: not a redis:// URL: ${url}`);
  return { hostname: u.hostname, port: Number(u.port || 6379) };
}

/** A connection with one command in flight at a time. */
export class RespConnection {
  #conn: WireConn;
  #in: ByteReader;
  #out: Uint8Array = new Uint8Array(256);
  #busy = false;

  private constructor(conn: WireConn) {
    this.#conn = conn;
    this.#in = new ByteReader(conn);
  }

  /**
   * Connects to `redis://host:port` (or a host/port pair) over `transport` (default "deno":
   * Deno's TCP ops; "epoll": the FFI epoll loop).
   */
  static async connect(
    target: string | { hostname: string; port: number },
    transport: Transport = "deno",
  ): Promise<RespConnection> {
    const t = typeof target === "string" ? parseRedisUrl(target) : target;
    return new RespConnection(await openWire(t, transport));
  }

  /**
   * Sends one command and returns its reply; an error reply is thrown as {@link RespError}
   * (errors inside arrays are returned as values).
   */
  async command(...args: (string | number)[]): Promise<RespValue> {
    const bytes = encodeCommand(args, this.#out);
    if (bytes.buffer !== this.#out.buffer) this.#out = new Uint8Array(bytes.buffer as ArrayBuffer);
    return await this.send(bytes);
  }

  /**
   * Sends an already encoded command (see {@link encodeCommand}) and returns its reply, as
   * {@link command} does. Load loops patch a pre-encoded request in place (as
   * redis-benchmark patches its random key digits) instead of re-encoding every time.
   */
  async send(bytes: Uint8Array): Promise<RespValue> {
    if (this.#busy) throw new Error("resp: one command at a time per connection");
    this.#busy = true;
    try {
      let o = 0;
      while (o < bytes.length) o += await this.#conn.write(bytes.subarray(o));
      const r = this.#in;
      for (;;) {
        const parsed = parseReply(r.buf, r.start, r.end);
        if (parsed !== undefined) {
          r.consume(parsed.next - r.start);
          if (parsed.value instanceof RespError) throw parsed.value;
          return parsed.value;
        }
        await r.more();
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Closes the socket. Idempotent. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}
