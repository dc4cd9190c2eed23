/** Named errors that keep their cause, so a log line says where a problem comes from. */

/** A setting in the environment is missing or malformed. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A file under content/ or intents/ is invalid; `line` is 1-based when known. `problem` is
 * English (logs, developers); `detail` names the message in src/core/content-messages.ts, from
 * which `npm run content:check` writes it in Vietnamese for editors.
 */
export class ContentError extends Error {
  readonly detail?: { id: string; params: Record<string, unknown> };

  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly problem: string,
    options?: { cause?: unknown; detail?: { id: string; params: Record<string, unknown> } },
  ) {
    super(`${file}${line ? `:${line}` : ''}${field ? ` (${field})` : ''}: ${problem}`, options);
    this.name = 'ContentError';
    this.detail = options?.detail;
  }
}

/** A messaging platform refused or failed a call. `transient` says whether a retry may succeed. */
export class ChannelError extends Error {
  constructor(
    readonly channel: string,
    message: string,
    readonly transient: boolean,
    readonly platformCode?: string | number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChannelError';
  }
}

/** A client sent a request we cannot accept; becomes a 4xx with this message. */
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** The database cannot be opened, created or written (permissions, a read-only disk). */
export class StoreError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
