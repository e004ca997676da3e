import type { ServerResponse } from 'node:http';
import { sql } from 'drizzle-orm';
import type { Runtime } from '../runtime';

/** GET /healthz: 200 once migrated and serving (and the database answers), 503 before or otherwise. */
export async function answerHealth(res: ServerResponse, rt: Runtime | null, ready: boolean): Promise<void> {
  let status = 503;
  let body: Record<string, unknown> = { status: 'starting' };
  if (rt && ready) {
    try {
      await rt.db.execute(sql`select 1`);
      status = 200;
      body = { status: 'ok', database: rt.database.kind, instance: rt.instanceId };
    } catch {
      body = { status: 'database unavailable', database: rt.database.kind };
    }
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
