import type { Config } from './config';
import type { Database, Db } from './db/client';
import type { Notifier } from './events/notifier';
import type { Logger } from './log';
import type { Sealer } from './secrets/cipher';

/** What the parts of a running gateway share; app.ts builds it once. */
export interface Runtime {
  config: Config;
  database: Database;
  db: Db;
  sealer: Sealer;
  log: Logger;
  /** This instance's shared LISTEN connection. */
  notifier: Notifier;
  /** Identifies this process in leases (runs, webhooks). */
  instanceId: string;
}
