import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AdminToken } from '../access/admin-token';
import type { GraphqlServer } from '../graphql/yoga';
import type { Logger } from '../log';

type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

/**
 * graphql-ws on the same port and path as HTTP GraphQL, running operations
 * through yoga's envelop so both transports share schema, context and
 * plugins. The admin token comes in connection_init:
 * `{ "authorization": "Bearer <token>" }`; without it the socket is closed
 * with 4403 before any operation.
 */
export function attachWebSocket(server: Server, yoga: GraphqlServer, token: AdminToken, log: Logger) {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const ok = token.verify(params.authorization ?? params.Authorization);
        if (!ok) log.info('websocket refused: no valid admin token in connection_init');
        return ok;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        const args = {
          schema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : (args as ExecutionArgs);
      },
    },
    wss,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
