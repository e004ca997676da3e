import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { badInputCodes } from './input-errors';
import { rawJsonResponses } from './raw-json';
import { sharedEventExecution } from './shared-events';
import type { AdminToken } from '../access/admin-token';
import { UnauthenticatedError } from '../errors';
import type { Runtime } from '../runtime';
import type { Context } from './builder';
import { schema } from './schema';

/**
 * Every operation, introspection included, needs the admin token. Checked on
 * the parsed request, after GraphiQL's page (a browser's GET) is served, and
 * before anything is parsed, validated or run; graphql-ws checks its own in
 * connection_init (see http/websocket.ts).
 */
function requireAdminToken(token: AdminToken): Plugin {
  return {
    onParams({ request, setResult }) {
      if (!token.verify(request.headers.get('authorization'))) {
        const error = new UnauthenticatedError();
        error.extensions.http = { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };
        setResult({ errors: [error] });
      }
    },
  };
}

export function createGraphqlServer(rt: Runtime, token: AdminToken) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => ({ rt }),
    plugins: [requireAdminToken(token), badInputCodes(), sharedEventExecution(), rawJsonResponses()],
    // Errors without a stable code are masked: clients see "Unexpected error.",
    // the log gets the real one.
    maskedErrors: {
      maskError(error, message) {
        const original = (error as { originalError?: unknown }).originalError ?? error;
        const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
        if (code) return error as Error;
        rt.log.error({ err: original }, 'unexpected error in a GraphQL operation');
        const graphqlError = error instanceof GraphQLError ? error : null;
        return new GraphQLError(message, {
          nodes: graphqlError?.nodes,
          path: graphqlError?.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      },
    },
    // The bundled GraphiQL: the default loads its assets from a CDN, which a
    // gateway on a closed network cannot reach. Loaded on first use: the
    // bundle is ~35 MB of heap that API-only deployments never need.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: {
      title: 'Tributary',
      headers: JSON.stringify({ Authorization: 'Bearer <admin token>' }),
    },
    landingPage: false,
    logging: {
      debug: (...args) => rt.log.debug({ yoga: args }, 'yoga'),
      info: (...args) => rt.log.info({ yoga: args }, 'yoga'),
      warn: (...args) => rt.log.warn({ yoga: args }, 'yoga'),
      error: (...args) => rt.log.error({ yoga: args }, 'yoga'),
    },
  });
}

export type GraphqlServer = ReturnType<typeof createGraphqlServer>;
