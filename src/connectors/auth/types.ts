/**
 * One interface every auth type implements; index.ts keeps the registry.
 * An authenticator lives as long as its source's client (see client.ts), so
 * state such as an OAuth2 token is shared by every run of the source.
 */
import type { AuthConfig, SourceConfig } from '../../domain';
import type { HttpRequest, Send } from '../http';

export interface Authenticator {
  /** Adds credentials to one outgoing request (a copy made for this attempt). */
  apply(req: HttpRequest, signal?: AbortSignal): void | Promise<void>;
  /**
   * Called when the API answered 401 to `req`; true when fresh credentials
   * are worth exactly one more try (OAuth2: the token is fetched anew).
   */
  renew?(req: HttpRequest): boolean | Promise<boolean>;
  /** Secret values now in use, to be masked wherever a URL or header is reported. */
  secrets(): string[];
  /** A query parameter carrying the credential: stripped from URLs kept in checkpoints. */
  readonly queryParam?: string;
}

export interface AuthDeps {
  source: SourceConfig;
  /** Transport with retries but no auth and no rate limit, for token endpoints. */
  send: Send;
}

export type AuthStrategy<T extends AuthConfig['type']> = (
  config: Extract<AuthConfig, { type: T }>,
  deps: AuthDeps,
) => Authenticator;
