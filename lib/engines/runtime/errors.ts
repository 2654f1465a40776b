/**
 * Two kinds of trouble with an engine, kept apart because the run treats them differently:
 * an {@link EngineError} fails the run (bad input, a crash, a port taken), while an
 * {@link EngineUnavailable} means the engine cannot run on this machine and is reported as
 * skipped with its reason. Both carry a one-line message that says what and how to fix.
 */

/** A failure the user must fix; the message is one line. */
export class EngineError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = "EngineError";
  }
}

/**
 * A server could not bind its port because another process took it between the choice and
 * the bind: the native launcher starts the engine again on fresh ports.
 */
export class PortTaken extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = "PortTaken";
  }
}

/** The engine cannot run here (no binary, no Docker, no URL); the run skips it. */
export class EngineUnavailable extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = "EngineUnavailable";
  }
}

/** Collapse whitespace and newlines so a message prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " | ").replace(/\s+/g, " ").trim();
}

/** Hide the password in a connection URL before it goes into a message or a CSV. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
