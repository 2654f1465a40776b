/**
 * TCP sockets driven by the harness's own epoll loop through Deno FFI (libc `socket`,
 * `send`, `recv`, `epoll_wait`), with the same `read`/`write`/`close` shape as a
 * `Deno.TcpConn`, so the wire clients (pgwire.ts, resp.ts) run on either.
 *
 * Why: on 2 cores shared with the server, every microsecond of client CPU per operation is
 * taken from the server. A request/reply over `Deno.connect` costs ~13 µs of user CPU in
 * Deno's runtime (two async ops, their promises and the runtime's own reactor) against
 * ~2.5 µs for redis-benchmark's C event loop; the syscalls are the same (one send, one recv,
 * a shared epoll_wait). Here a write is a direct `send`, and one `epoll_wait` wakes every
 * ready socket; a read is a direct `recv` after an edge-triggered readiness event, so no
 * `recv` is wasted on EAGAIN. Operations in flight are exactly what the caller has
 * outstanding (no pipelining is added).
 *
 * While reads are pending the loop blocks in `epoll_wait` (at most `WAIT_MS`) and, between
 * batches, yields one macrotask so promise continuations (the next request) run before it
 * blocks again. Everything else in the process waits for those slices, which is fine in a
 * load loop and why this is not a general-purpose transport. Linux x86-64/arm64 only;
 * needs --allow-ffi. IPv4 literal or "localhost" only (load targets 127.0.0.1).
 *
 * @module
 */

import { setImmediate } from "node:timers";

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x001;
const EPOLLOUT = 0x004;
const EPOLLERR = 0x008;
const EPOLLHUP = 0x010;
const EPOLLRDHUP = 0x2000;
const EPOLLET = 0x80000000;
const EAGAIN = 11;
const EINTR = 4;
const EINPROGRESS = 115;
const MSG_NOSIGNAL = 0x4000;
/** Longest single block in epoll_wait: bounds how long timers and signals can be delayed. */
const WAIT_MS = 10;
const MAX_EVENTS = 64;
const EVENT_SIZE = 12; // struct epoll_event is packed on x86-64: u32 events, u64 data

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let libc: Libc | undefined;

function lib(): Libc {
  if (libc === undefined) {
    if (Deno.build.os !== "linux") throw new Error("epoll sockets need Linux");
    libc = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  }
  return libc;
}

function errno(): number {
  const p = lib().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

function fail(what: string): never {
  throw new Error(`epoll socket: ${what} failed (errno ${errno()})`);
}

/** True when FFI to libc works here (Linux, --allow-ffi); used to pick a transport. */
export function epollAvailable(): boolean {
  try {
    lib();
    return true;
  } catch {
    return false;
  }
}

interface Waiter {
  resolve: (n: number | null) => void;
  reject: (e: Error) => void;
  buf: Uint8Array;
}

/** The process-wide epoll loop: one epoll fd, one wait loop while any read is pending. */
class Loop {
  #ep = -1;
  #events = new Uint8Array(EVENT_SIZE * MAX_EVENTS);
  #view = new DataView(this.#events.buffer);
  #sockets = new Map<number, EpollSocket>();
  #pending = 0;
  #running = false;

  get fd(): number {
    if (this.#ep < 0) {
      this.#ep = lib().epoll_create1(EPOLL_CLOEXEC);
      if (this.#ep < 0) fail("epoll_create1");
    }
    return this.#ep;
  }

  add(s: EpollSocket): void {
    const ev = new Uint8Array(EVENT_SIZE);
    const v = new DataView(ev.buffer);
    v.setUint32(0, (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) >>> 0, true);
    v.setUint32(4, s.fd, true);
    if (lib().epoll_ctl(this.fd, EPOLL_CTL_ADD, s.fd, ev) !== 0) fail("epoll_ctl(ADD)");
    this.#sockets.set(s.fd, s);
  }

  remove(s: EpollSocket): void {
    if (this.#sockets.delete(s.fd)) {
      lib().epoll_ctl(this.fd, EPOLL_CTL_DEL, s.fd, new Uint8Array(EVENT_SIZE));
    }
  }

  /** A read or write is waiting for readiness: make sure the loop runs. */
  wantEvents(delta: number): void {
    this.#pending += delta;
    if (this.#pending > 0 && !this.#running) {
      this.#running = true;
      setImmediate(() => this.#run());
    }
  }

  async #run(): Promise<void> {
    try {
      const c = lib();
      while (this.#pending > 0) {
        const n = c.epoll_wait(this.fd, this.#events, MAX_EVENTS, WAIT_MS);
        if (n < 0 && errno() !== EINTR) fail("epoll_wait");
        for (let i = 0; i < n; i++) {
          const flags = this.#view.getUint32(i * EVENT_SIZE, true);
          const fd = this.#view.getUint32(i * EVENT_SIZE + 4, true);
          this.#sockets.get(fd)?.ready(flags);
        }
        // Let promise continuations (which send the next requests) run before blocking again.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.#running = false;
      if (this.#pending > 0) this.wantEvents(0);
    }
  }
}

const loop = new Loop();

function sockaddr(hostname: string, port: number): Uint8Array {
  const host = hostname === "localhost" ? "127.0.0.1" : hostname;
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`epoll socket: need an IPv4 address, got "${hostname}"`);
  }
  const a = new Uint8Array(16);
  const v = new DataView(a.buffer);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port); // network byte order
  a.set(parts, 4);
  return a;
}

/** A non-blocking TCP socket with TCP_NODELAY, read and written through the epoll loop. */
export class EpollSocket {
  /** The file descriptor. */
  readonly fd: number;
  #readable = false;
  #writable = false;
  #closed = false;
  #eof = false;
  #reader: Waiter | undefined;
  #writer: { resolve: () => void; reject: (e: Error) => void } | undefined;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Connects to an IPv4 `hostname:port` (non-blocking connect, completed via epoll). */
  static async connect(opts: { hostname: string; port: number }): Promise<EpollSocket> {
    const c = lib();
    const addr = sockaddr(opts.hostname, opts.port);
    const fd = c.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    const s = new EpollSocket(fd);
    try {
      const one = new Int32Array([1]);
      if (c.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, new Uint8Array(one.buffer), 4) !== 0) {
        fail("setsockopt(TCP_NODELAY)");
      }
      const fl = c.fcntl(fd, F_GETFL, 0);
      if (fl < 0 || c.fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) fail("fcntl(O_NONBLOCK)");
      loop.add(s);
      if (c.connect(fd, addr, addr.length) !== 0) {
        if (errno() !== EINPROGRESS) fail(`connect(${opts.hostname}:${opts.port})`);
        await s.#waitWritable();
        const err = new Int32Array(1);
        const len = new Uint32Array([4]);
        c.getsockopt(
          fd,
          1, /* SOL_SOCKET */
          4, /* SO_ERROR */
          new Uint8Array(err.buffer),
          new Uint8Array(len.buffer),
        );
        if (err[0] !== 0) {
          throw new Error(
            `epoll socket: connect(${opts.hostname}:${opts.port}) failed (errno ${err[0]})`,
          );
        }
      }
      return s;
    } catch (e) {
      s.close();
      throw e;
    }
  }

  /** Called by the loop with the epoll flags of this socket. */
  ready(flags: number): void {
    if (flags & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      this.#readable = true;
      if (this.#reader) this.#tryRead();
    }
    if (flags & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      this.#writable = true;
      const w = this.#writer;
      if (w) {
        this.#writer = undefined;
        loop.wantEvents(-1);
        w.resolve();
      }
    }
  }

  #waitWritable(): Promise<void> {
    if (this.#writable) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#writer = { resolve, reject };
      loop.wantEvents(1);
    });
  }

  /** Reads what is there once ready (at least 1 byte); null at end of stream. */
  read(buf: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(new Error("epoll socket: read after close"));
    if (this.#reader) return Promise.reject(new Error("epoll socket: one read at a time"));
    if (this.#eof) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#reader = { resolve, reject, buf };
      loop.wantEvents(1);
      if (this.#readable) this.#tryRead();
    });
  }

  #tryRead(): void {
    const w = this.#reader!;
    const n = Number(lib().recv(this.fd, w.buf, w.buf.length as unknown as bigint, 0));
    if (n < 0) {
      const e = errno();
      if (e === EAGAIN || e === EINTR) {
        this.#readable = false; // wait for the next edge
        return;
      }
      this.#finishRead();
      w.reject(new Error(`epoll socket: recv failed (errno ${e})`));
      return;
    }
    // Edge-triggered: after a short read the queue is empty and new data raises a new edge.
    if (n < w.buf.length) this.#readable = false;
    this.#finishRead();
    if (n === 0) {
      this.#eof = true;
      w.resolve(null);
    } else {
      w.resolve(n);
    }
  }

  #finishRead(): void {
    this.#reader = undefined;
    loop.wantEvents(-1);
  }

  /** Writes all of `buf` (waiting for writability if the send buffer is full). */
  async write(buf: Uint8Array): Promise<number> {
    let o = 0;
    while (o < buf.length) {
      if (this.#closed) throw new Error("epoll socket: write after close");
      const n = Number(
        lib().send(this.fd, buf.subarray(o), (buf.length - o) as unknown as bigint, MSG_NOSIGNAL),
      );
      if (n >= 0) {
        o += n;
        continue;
      }
      const e = errno();
      if (e === EINTR) continue;
      if (e !== EAGAIN) throw new Error(`epoll socket: send failed (errno ${e})`);
      this.#writable = false;
      await this.#waitWritable();
    }
    return o;
  }

  /** No-op (TCP_NODELAY is always set); present for `Deno.TcpConn` compatibility. */
  setNoDelay(_on = true): void {}

  /** Closes the socket and fails a pending read or write. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    loop.remove(this);
    lib().close(this.fd);
    const err = new Error("epoll socket: closed");
    if (this.#reader) {
      const r = this.#reader;
      this.#finishRead();
      r.reject(err);
    }
    if (this.#writer) {
      const w = this.#writer;
      this.#writer = undefined;
      loop.wantEvents(-1);
      w.reject(err);
    }
  }
}
