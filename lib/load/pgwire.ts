/**
 * A minimal PostgreSQL wire-protocol (v3) client for hot load loops: one connection over
 * `Deno.connect`, trust authentication only, and one named prepared statement executed the
 * way libpq's `PQsendQueryPrepared` does it (Bind, Describe portal, Execute, Sync; text
 * parameters and results). It exists because a general client spends more client CPU per
 * query than the server spends answering it (node-postgres in a plain loop reaches ~0.55 of
 * pgbench on 2 shared cores): here a query is one pre-sized buffer write and one read, with
 * no per-row objects, so the load generator measures the server rather than itself.
 *
 * Not a general driver: no TLS, no passwords, no COPY, one statement in flight per
 * connection. Experiments use node-postgres (lib/engines/postgres.ts); this is for the
 * harness-overhead benchmark and loops that must match pgbench.
 *
 * @module
 */

import { ByteReader, openWire, type Transport, type WireConn } from "./bytereader.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** An error the server reported (`ErrorResponse`), with its SQLSTATE as `code`. */
export class PgWireError extends Error {
  /** SQLSTATE, e.g. "40001" (the classifier in errors.ts reads it). */
  readonly code: string;
  /** @param fields the ErrorResponse fields by type letter. */
  constructor(fields: Record<string, string>) {
    super(fields.M ?? "postgres error");
    this.name = "PgWireError";
    this.code = fields.C ?? "";
  }
}

/** Where and as whom to connect (from a `postgres://user@host:port/db` URL). */
export interface PgWireTarget {
  /** Host (loopback here). */
  hostname: string;
  /** TCP port. */
  port: number;
  /** Role. */
  user: string;
  /** Database. */
  database: string;
}

/** Parses `postgres://user@host:port/db` (no password: trust authentication only). */
export function parsePgUrl(url: string): PgWireTarget {
  const u = new URL(url);
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new Error(`pgwire: not a postgres:// URL: ${url}`);
  }
  return {
    hostname: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || "postgres"),
    database: decodeURIComponent(u.pathname.slice(1) || u.username || "postgres"),
  };
}

function cstr(s: string): Uint8Array {
  const b = enc.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A frontend message: type byte, int32 length (self-inclusive), body. */
function message(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

/** A connection: `connect`, then `prepare` once and `execute` many times, then `close`. */
export class PgWireConnection {
  #conn: WireConn;
  #in: ByteReader;
  #out = new Uint8Array(256);
  #outView = new DataView(this.#out.buffer);
  #stmt = "";
  #busy = false;

  private constructor(conn: WireConn) {
    this.#conn = conn;
    this.#in = new ByteReader(conn);
  }

  /**
   * Connects over `transport` (default "deno": Deno's TCP ops; "epoll": the FFI epoll loop)
   * and completes the start-up handshake (fails on anything but trust auth).
   */
  static async connect(
    target: PgWireTarget | string,
    transport: Transport = "deno",
  ): Promise<PgWireConnection> {
    const t = typeof target === "string" ? parsePgUrl(target) : target;
    const conn = await openWire(t, transport);
    const c = new PgWireConnection(conn);
    try {
      const body = concat([
        cstr("user"),
        cstr(t.user),
        cstr("database"),
        cstr(t.database),
        new Uint8Array(1),
      ]);
      const start = new Uint8Array(8 + body.length);
      const v = new DataView(start.buffer);
      v.setInt32(0, start.length);
      v.setInt32(4, 196608); // protocol 3.0
      start.set(body, 8);
      await c.#writeAll(start);
      for (;;) {
        const [type, off, len] = await c.#nextMessage();
        if (type === 0x52 /* R */) {
          const code = c.#in.view.getInt32(off);
          if (code !== 0) {
            throw new Error(`pgwire: auth method ${code} asked; only trust is supported`);
          }
        } else if (type === 0x45 /* E */) {
          throw new PgWireError(c.#fields(off, len));
        } else if (type === 0x5a /* Z */) {
          return c;
        } // S (parameter status), K (backend key), N (notice): ignored
      }
    } catch (err) {
      c.close();
      throw err;
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let o = 0;
    while (o < bytes.length) o += await this.#conn.write(bytes.subarray(o));
  }

  /** Next backend message: [type, body offset in `#in.buf`, body length]; valid until next call. */
  async #nextMessage(): Promise<[number, number, number]> {
    const r = this.#in;
    if (r.available < 5) await r.fill(5);
    const len = r.view.getInt32(r.start + 1) - 4;
    if (r.available < 5 + len) await r.fill(5 + len);
    const type = r.buf[r.start];
    const off = r.start + 5;
    r.consume(5 + len);
    return [type, off, len];
  }

  #fields(off: number, len: number): Record<string, string> {
    const out: Record<string, string> = {};
    const buf = this.#in.buf;
    let i = off;
    while (i < off + len && buf[i] !== 0) {
      const k = String.fromCharCode(buf[i]);
      const z = buf.indexOf(0, i + 1);
      out[k] = dec.decode(buf.subarray(i + 1, z));
      i = z + 1;
    }
    return out;
  }

  /** Reads messages up to ReadyForQuery; returns the first column of the first row (text). */
  async #untilReady(): Promise<string | null> {
    let value: string | null = null;
    let seenRow = false;
    let error: PgWireError | undefined;
    for (;;) {
      const [type, off, len] = await this.#nextMessage();
      if (type === 0x44 /* D: DataRow */ && !seenRow) {
        seenRow = true;
        const r = this.#in;
        if (r.view.getInt16(off) > 0) {
          const n = r.view.getInt32(off + 2);
          value = n < 0 ? null : decodeShort(r.buf, off + 6, n);
        }
      } else if (type === 0x45 /* E */) {
        error = new PgWireError(this.#fields(off, len));
      } else if (type === 0x5a /* Z */) {
        if (error) throw error;
        return value;
      } // 1/2/T/C/n/N/S: ParseComplete, BindComplete, RowDescription, CommandComplete, ...
    }
  }

  /** Prepares `sql` as the named statement `name` (parameters typed by the server). */
  async prepare(name: string, sql: string): Promise<void> {
    this.#enter();
    try {
      const parse = message("P", concat([cstr(name), cstr(sql), new Uint8Array(2)]));
      await this.#writeAll(concat([parse, message("S", new Uint8Array(0))]));
      await this.#untilReady();
      this.#stmt = name;
    } finally {
      this.#busy = false;
    }
  }

  #enter(): void {
    if (this.#busy) throw new Error("pgwire: one statement at a time per connection");
    this.#busy = true;
  }

  /**
   * Executes the most recently prepared statement with text parameters as libpq does (Bind, Describe
   * portal, Execute, Sync) and returns the first column of the first row as text (null when
   * there is no row or the value is NULL). Throws {@link PgWireError} on a server error.
   */
  async execute(params: readonly (string | number)[]): Promise<string | null> {
    this.#enter();
    try {
      await this.#writeAll(this.#encodeExecute(params));
      return await this.#untilReady();
    } finally {
      this.#busy = false;
    }
  }

  /** Bind + Describe(P) + Execute + Sync for the prepared statement, in a reused buffer. */
  #encodeExecute(params: readonly (string | number)[]): Uint8Array {
    const texts = params.map(String);
    let need = 64 + this.#stmt.length * 3;
    for (const t of texts) need += 4 + t.length * 3;
    if (this.#out.length < need) {
      this.#out = new Uint8Array(need * 2);
      this.#outView = new DataView(this.#out.buffer);
    }
    const b = this.#out;
    const v = this.#outView;
    let o = 0;
    b[o] = 0x42; // B
    const bindLen = o + 1;
    o += 5;
    b[o++] = 0; // unnamed portal
    o += enc.encodeInto(this.#stmt, b.subarray(o)).written;
    b[o++] = 0;
    v.setInt16(o, 0); // all parameters text
    v.setInt16(o + 2, texts.length);
    o += 4;
    for (const t of texts) {
      const w = enc.encodeInto(t, b.subarray(o + 4)).written;
      v.setInt32(o, w);
      o += 4 + w;
    }
    v.setInt16(o, 0); // all results text
    o += 2;
    v.setInt32(bindLen, o - bindLen);
    // Describe portal "": libpq sends it, so the server does the same work as for pgbench.
    b[o] = 0x44;
    v.setInt32(o + 1, 6);
    b[o + 5] = 0x50; // P
    b[o + 6] = 0;
    o += 7;
    b[o] = 0x45; // Execute "" with no row limit
    v.setInt32(o + 1, 9);
    b[o + 5] = 0;
    v.setInt32(o + 6, 0);
    o += 10;
    b[o] = 0x53; // Sync
    v.setInt32(o + 1, 4);
    o += 5;
    return b.subarray(0, o);
  }

  /** Sends Terminate (best effort) and closes the socket. Idempotent. */
  close(): void {
    try {
      this.#conn.write(message("X", new Uint8Array(0))).catch(() => {});
    } catch { /* already closed */ }
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

/** Decodes a short UTF-8 span, without a TextDecoder call when it is ASCII (digits, mostly). */
export function decodeShort(buf: Uint8Array, off: number, n: number): string {
  if (n > 32) return dec.decode(buf.subarray(off, off + n));
  let s = "";
  for (let i = off; i < off + n; i++) {
    if (buf[i] > 0x7f) return dec.decode(buf.subarray(off, off + n));
    s += String.fromCharCode(buf[i]);
  }
  return s;
}
