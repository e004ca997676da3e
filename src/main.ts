import { buildApp } from './app';
import { loadConfig } from './config';
import { createLogger } from './log';
import { runWorkers } from './workers';

// Entry point: `npm start`. Exit 1 on a fatal start error; on SIGTERM/SIGINT
// stop taking work, checkpoint, close, exit 0 within 10 s.
const STOP_DEADLINE_MS = 9_000;

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
