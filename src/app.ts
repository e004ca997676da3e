import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadAdminToken } from './access/admin-token';
import type { Config } from './config';
import { closeSourceClients } from './connectors/client';
import { openDatabase } from './db/client';
import { migrateDatabase } from './db/migrate';
import { createNotifier } from './events/notifier';
import { createGraphqlServer } from './graphql/yoga';
import { answerHealth } from './http/health';
import { attachWebSocket } from './http/websocket';
import { createLogger, type Logger } from './log';
import type { Runtime } from './runtime';
import { createSealer } from './secrets/cipher';
import { loadSecretKey } from './secrets/key';

/** A background part of the gateway (run workers, scheduler, webhook sender). */
export interface Worker {
  start(): void;
  /** Stops taking work and finishes or checkpoints what is in hand. */
  stop(): Promise<void>;
}

export interface App {
  /** Opens the database, migrates, serves; resolves with the bound URL once /healthz answers 200. */
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  /** Available after start(). */
  runtime(): Runtime;
}

export interface AppOptions {
  logger?: Logger;
  /** Background parts, built from the runtime once it exists. */
  workers?: (rt: Runtime) => Worker[];
}

export function buildApp(config: Config, options: AppOptions = {}): App {
  const log = options.logger ?? createLogger(config.logLevel);
  let rt: Runtime | null = null;
  let ready = false;
  let handler: RequestListener | null = null;
  let closeWs: (() => Promise<void>) | null = null;
  let workers: Worker[] = [];

  // The HTTP server listens first, so /healthz can say 503 while the database migrates.
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz' || req.url?.startsWith('/healthz?')) {
      void answerHealth(res, rt, ready);
    } else if (handler) {
      handler(req, res);
    } else {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ errors: [{ message: 'starting', extensions: { code: 'UNAVAILABLE' } }] }));
    }
  });

  return {
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      const database = await openDatabase(config.database);
      try {
        await migrateDatabase(config.database, database);
        const sealer = createSealer(loadSecretKey(config, log));
        const token = await loadAdminToken(database.db, config.adminToken);
        rt = {
          config,
          database,
          db: database.db,
          sealer,
          log,
          notifier: createNotifier(database, log),
          instanceId: `${process.pid}-${randomUUID().slice(0, 8)}`,
        };
        const yoga = createGraphqlServer(rt, token);
        handler = yoga;
        closeWs = attachWebSocket(server, yoga, token, log).close;
        workers = config.workers && options.workers ? options.workers(rt) : [];
        for (const w of workers) w.start();
        ready = true;
        const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
        const url = `http://${shown}:${port}/graphql`;
        log.info({ url, database: database.kind, instance: rt.instanceId }, 'tributary ready');
        if (token.generated) {
          // Printed once, beside the URL, and never logged: only its hash is kept.
          process.stdout.write(`\nGraphiQL: ${url}\nAdmin token (shown once, keep it): ${token.generated}\n\n`);
        }
        return { url: `http://127.0.0.1:${port}/graphql`, port };
      } catch (err) {
        await database.close().catch(() => {});
        server.close();
        throw err;
      }
    },
    async stop() {
      ready = false;
      // Stop accepting first; workers then finish or checkpoint their page.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(workers.map((w) => w.stop().catch((err) => log.error({ err }, 'worker failed to stop'))));
      await closeWs?.();
      server.closeAllConnections();
      await closed;
      await closeSourceClients();
      if (rt) {
        await rt.notifier.close();
        await rt.database.close();
      }
      log.info('tributary stopped');
    },
    runtime() {
      if (!rt) throw new Error('the app has not started');
      return rt;
    },
  };
}
