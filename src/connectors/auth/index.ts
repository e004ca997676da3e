/**
 * Auth strategies keyed by type (adding one is a file and a line), and the
 * pipeline layer that applies them: credentials go on a fresh copy of the
 * request for each attempt, and a 401 gets one more try when the strategy
 * can renew its credentials.
 */
import type { AuthConfig } from '../../domain';
import { ConnectorError } from '../errors';
import type { Send } from '../http';
import { cloneRequest } from '../request';
import { apiKeyAuth } from './api-key';
import { basicAuth } from './basic';
import { bearerAuth } from './bearer';
import { noAuth } from './none';
import { oauth2ClientCredentials } from './oauth2-client-credentials';
import type { AuthDeps, AuthStrategy, Authenticator } from './types';

export type { Authenticator, AuthDeps } from './types';

const strategies: { [T in AuthConfig['type']]: AuthStrategy<T> } = {
  NONE: noAuth,
  API_KEY: apiKeyAuth,
  BASIC: basicAuth,
  BEARER: bearerAuth,
  OAUTH2_CLIENT_CREDENTIALS: oauth2ClientCredentials,
};

export function createAuthenticator(config: AuthConfig, deps: AuthDeps): Authenticator {
  const strategy = strategies[config.type] as AuthStrategy<AuthConfig['type']> | undefined;
  if (!strategy) throw new ConnectorError(`unknown auth type "${config.type}"`);
  return strategy(config as never, deps);
}

/**
 * @param onRenewedRetry called when a 401 is retried with new credentials,
 *   so the run counts it like any other retry.
 */
export function withAuth(send: Send, auth: Authenticator, onRenewedRetry?: () => void): Send {
  return async (req, signal) => {
    const first = cloneRequest(req);
    await auth.apply(first, signal);
    try {
      return await send(first, signal);
    } catch (err) {
      const unauthorized = err instanceof ConnectorError && err.details.status === 401;
      if (!unauthorized || !auth.renew || !(await auth.renew(first))) throw err;
      onRenewedRetry?.();
      const again = cloneRequest(req);
      await auth.apply(again, signal);
      return send(again, signal);
    }
  };
}
