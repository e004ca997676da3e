import v8 from 'node:v8';
import { buildApp } from './app';
import { loadConfig } from './config';
import { createLogger } from './log';
import { runWorkers } from './workers';

// Entry point: `npm start`. Exit 1 on a fatal start error; on SIGTERM/SIGINT
// stop taking work, checkpoint, close, exit 0 within 10 s.
const STOP_DEADLINE_MS = 9_000;

// V8 lets the old generation grow to up to 4x what survived the last full
// collection. A sync keeps about 35 MB live, but its pages live across
// several young collections and are promoted, so the heap swung up to
// 150 MB of garbage before each full collection, and a longer import met
// higher swings (peak RSS 204 MB importing 100,000 records, 252 MB at
// 1,000,000). At 1.5x, full collections come more often (each a few ms) and
// peak RSS stays at 160-165 MB at both sizes, with no change in import time.
// Set here rather than as a node flag so every way of starting the gateway
// gets it; a V8 without the flag ignores it.
v8.setFlagsFromString('--heap-growing-percent=50');

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = createLogger(config.logLevel);
const app = buildApp(config, { logger: log, workers: runWorkers });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    log.warn('shutdown deadline passed; exiting with work left for the next start');
    process.exit(0);
  }, STOP_DEADLINE_MS);
  deadline.unref();
  try {
    await app.stop();
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'error while shutting down');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

try {
  await app.start();
} catch (err) {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
}
