import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';

const KEY_FILE = 'secret.key';

/**
 * The key that seals credentials: TRIBUTARY_SECRET_KEY when set; otherwise a
 * key generated once into the data dir (mode 0600) and reused. That suits the
 * embedded database, which lives in the same dir. On PostgreSQL every
 * instance must share one key, so a generated one is worth a loud warning.
 */
export function loadSecretKey(config: Config, log: Logger): Buffer {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, KEY_FILE);
  let key: Buffer;
  if (fs.existsSync(file)) {
    key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } else {
    fs.mkdirSync(config.dataDir, { recursive: true });
    key = randomBytes(32);
    fs.writeFileSync(file, key.toString('hex'), { mode: 0o600 });
  }
  if (config.database.kind === 'postgres') {
    log.warn(
      { keyFile: file },
      'TRIBUTARY_SECRET_KEY is not set: credentials are sealed with a key kept in the data dir. ' +
        'Set TRIBUTARY_SECRET_KEY (64 hex characters) to the same value on every instance, or instances cannot read each other\'s sources.',
    );
  }
  return key;
}
