/**
 * Failures of an external API. They never crash the process: the sync engine
 * turns them into a FAILED run with `message` as its error, so a message
 * must say what happened and where (status, URL, start of the body).
 */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly details: {
      status?: number;
      url?: string;
      /** Whether retrying the same request may succeed (429, 5xx, network, timeout, bad JSON). */
      retryable?: boolean;
      /** Milliseconds the server asked us to wait (Retry-After). */
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}
