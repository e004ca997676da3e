import { loadConfig } from '../config';
import { openDatabase } from './client';
import { migrateDatabase } from './migrate';

// `npm run migrate`: apply migrations and exit, for operators who migrate before rolling out.
const config = loadConfig();
const database = await openDatabase(config.database);
try {
  await migrateDatabase(config.database, database);
  console.log(`migrations applied (${config.database.kind})`);
} finally {
  await database.close();
}
