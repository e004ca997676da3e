import type { Worker } from './app';
import { createEventRetention } from './events/retention';
import type { Runtime } from './runtime';
import { createScheduler } from './scheduler/scheduler';
import { createRunWorker } from './sync/worker';
import { createWebhookWorker } from './webhooks/worker';

/**
 * The background parts a gateway process runs beside the API. Each issue's
 * engine registers here: sync run workers, the scheduler, webhook senders,
 * event retention.
 */
export function runWorkers(rt: Runtime): Worker[] {
  return [createRunWorker(rt), createScheduler(rt), createWebhookWorker(rt), createEventRetention(rt)];
}
