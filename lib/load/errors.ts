/**
 * Error classes of database operations, so experiments can count serialization failures,
 * deadlocks, timeouts and lost connections separately instead of one "errors" number.
 *
 * @module
 */

/** The error classes, in the order used for reporting. */
export const ERROR_CLASSES = [
  "serialization_failure",
  "deadlock",
  "timeout",
  "connection",
  "other",
] as const;

/** One error class. */
export type ErrorClass = typeof ERROR_CLASSES[number];

/** A function that maps a thrown value to an error class. */
export type ErrorClassifier = (err: unknown) => ErrorClass;

// MySQL / MariaDB server and client error numbers (mysql2 exposes them as `errno`).
const MYSQL_ERRNO: Record<number, ErrorClass> = {
  1213: "deadlock", // ER_LOCK_DEADLOCK (its SQLSTATE is 40001, hence errno is checked first)
  1205: "timeout", // ER_LOCK_WAIT_TIMEOUT
  1020: "serialization_failure", // ER_CHECKREAD: MariaDB snapshot isolation conflict
  3024: "timeout", // ER_QUERY_TIMEOUT (max_execution_time)
  1969: "timeout", // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
  1040: "connection", // ER_CON_COUNT_ERROR (too many connections)
  2002: "connection", // CR_CONNECTION_ERROR
  2003: "connection", // CR_CONN_HOST_ERROR
  2006: "connection", // CR_SERVER_GONE_ERROR
  2013: "connection", // CR_SERVER_LOST
};

// PostgreSQL SQLSTATEs (node-postgres exposes them as `code`) and Node/driver error codes.
const CODES: Record<string, ErrorClass> = {
  "40001": "serialization_failure",
  "40P01": "deadlock",
  "55P03": "timeout", // lock_not_available (lock_timeout)
  "57014": "timeout", // query_canceled (statement_timeout)
  "57P01": "connection", // admin_shutdown
  "57P02": "connection", // crash_shutdown
  "57P03": "connection", // cannot_connect_now
  "53300": "connection", // too_many_connections
  ER_LOCK_DEADLOCK: "deadlock",
  ER_LOCK_WAIT_TIMEOUT: "timeout",
  ETIMEDOUT: "timeout",
  ESOCKETTIMEDOUT: "timeout",
  PROTOCOL_SEQUENCE_TIMEOUT: "timeout",
  ECONNREFUSED: "connection",
  ECONNRESET: "connection",
  ECONNABORTED: "connection",
  EPIPE: "connection",
  ENOTCONN: "connection",
  EHOSTUNREACH: "connection",
  ENETUNREACH: "connection",
  PROTOCOL_CONNECTION_LOST: "connection",
};

// Error names (Deno's built-in errors, DOM exceptions).
const NAMES: Record<string, ErrorClass> = {
  TimeoutError: "timeout",
  TimedOut: "timeout",
  ConnectionRefused: "connection",
  ConnectionReset: "connection",
  ConnectionAborted: "connection",
  NotConnected: "connection",
  BrokenPipe: "connection",
};

const MESSAGES: [RegExp, ErrorClass][] = [
  [/could not serialize|serialization failure/i, "serialization_failure"],
  [/deadlock/i, "deadlock"],
  [/timed? ?out|timeout/i, "timeout"],
  [
    /connection (is )?closed|connection refused|connection reset|connection terminated|socket hang up|ECONNRESET|ECONNREFUSED/i,
    "connection",
  ],
];

function classifyOne(err: unknown): ErrorClass | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { errno?: unknown; code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.errno === "number" && Object.hasOwn(MYSQL_ERRNO, e.errno)) {
    return MYSQL_ERRNO[e.errno];
  }
  if (typeof e.code === "string") {
    if (Object.hasOwn(CODES, e.code)) return CODES[e.code];
    if (/^08[0-9A-Z]{3}$/.test(e.code)) return "connection"; // SQLSTATE class 08
  }
  if (typeof e.name === "string" && Object.hasOwn(NAMES, e.name)) return NAMES[e.name];
  if (typeof e.message === "string") {
    for (const [re, cls] of MESSAGES) if (re.test(e.message)) return cls;
  }
  return undefined;
}

/**
 * Default classifier: PostgreSQL SQLSTATE (40001, 40P01, lock/statement timeouts, class 08),
 * MySQL/MariaDB errno (1213, 1205, 1020, connection errors), socket error codes
 * (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …), Deno error names, then message patterns; looks
 * through `cause` and AggregateError members (3 levels). Anything else is `other`.
 */
export function classifyError(err: unknown): ErrorClass {
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && cur !== undefined && cur !== null; depth++) {
    const cls = classifyOne(cur);
    if (cls) return cls;
    if (cur instanceof AggregateError && cur.errors.length > 0) {
      const inner = cur.errors.map(classifyOne).find((c) => c !== undefined);
      if (inner) return inner;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return "other";
}
