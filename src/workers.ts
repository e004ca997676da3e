import type { Worker } from './app';
import type { Runtime } from './runtime';

/**
 * The background parts a gateway process runs beside the API. Each issue's
 * engine registers here: sync run workers, the scheduler, webhook senders,
 * event retention.
 */
export function runWorkers(_rt: Runtime): Worker[] {
  return [];
}
