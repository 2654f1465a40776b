/**
 * A growable receive buffer over a `Deno.Conn` for the hand-written wire clients
 * (pgwire.ts, resp.ts): they parse replies in place from one reused byte array, because a
 * stream reader or per-reply allocations cost more client CPU than the server spends on a
 * primary-key lookup or a GET.
 *
 * @module
 */

/** What the wire clients need of a connection: a `Deno.TcpConn` or an `EpollSocket`. */
export interface WireConn {
  /** Reads at least one byte into `buf`; null at end of stream. */
  read(buf: Uint8Array): Promise<number | null>;
  /** Writes some of `buf`, returning how many bytes. */
  write(buf: Uint8Array): Promise<number>;
  /** Closes the connection. */
  close(): void;
}

/** How a wire client reaches its server: Deno's TCP ops, or the FFI epoll loop (epoll.ts). */
export type Transport = "deno" | "epoll";

/** Opens a TCP connection (TCP_NODELAY on) over the chosen transport. */
export async function openWire(
  target: { hostname: string; port: number },
  transport: Transport = "deno",
): Promise<WireConn> {
  if (transport === "epoll") {
    const { EpollSocket } = await import("./epoll.ts");
    return await EpollSocket.connect(target);
  }
  if (transport !== "deno") throw new Error(`unknown transport "${transport}" (deno, epoll)`);
  const conn = await Deno.connect({ hostname: target.hostname, port: target.port });
  conn.setNoDelay(true);
  return conn;
}

/** Buffered bytes received on a connection; `buf[start, end)` is unparsed. */
export class ByteReader {
  /** The buffer; replaced when it grows, so re-read it after every `fill`. */
  buf = new Uint8Array(1 << 16);
  /** A view of `buf` (replaced with it). */
  view = new DataView(this.buf.buffer);
  /** First unparsed byte. */
  start = 0;
  /** One past the last received byte. */
  end = 0;

  /** @param conn where bytes come from (anything with Deno's `read`). */
  constructor(private readonly conn: Pick<WireConn, "read">) {}

  /** Unparsed bytes buffered. */
  get available(): number {
    return this.end - this.start;
  }

  /** Ensures at least `n` unparsed bytes are buffered; throws if the peer closes first. */
  async fill(n: number): Promise<void> {
    while (this.end - this.start < n) await this.more(n);
  }

  /** Reads once (at least one byte), first compacting or growing so `n` unparsed bytes fit. */
  async more(n = 0): Promise<void> {
    const want = Math.max(n, this.end - this.start + 1);
    if (this.buf.length - this.start < want) {
      if (this.buf.length >= want) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const bigger = new Uint8Array(Math.max(want, this.buf.length * 2));
        bigger.set(this.buf.subarray(this.start, this.end));
        this.buf = bigger;
        this.view = new DataView(bigger.buffer);
      }
      this.end -= this.start;
      this.start = 0;
    }
    const got = await this.conn.read(this.buf.subarray(this.end));
    if (got === null) throw new Error("connection closed by the server");
    this.end += got;
  }

  /** Marks `n` bytes parsed; resets to the buffer's start when everything is parsed. */
  consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) this.start = this.end = 0;
  }
}
