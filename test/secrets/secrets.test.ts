import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createSealer } from '../../src/secrets/cipher';
import { createPostgresDatabase, type TestDatabase } from '../helpers/db';
import { startGateway, type TestGateway } from '../helpers/gateway';

describe('sealing', () => {
  test('round-trips, uses a fresh IV each time, and refuses a wrong key or a tampered value', () => {
    const key = randomBytes(32);
    const sealer = createSealer(key);
    const a = sealer.seal('p@ss wörd');
    const b = sealer.seal('p@ss wörd');
    assert.notEqual(a, b);
    assert.ok(!a.includes('p@ss'));
    assert.equal(sealer.open(a), 'p@ss wörd');
    assert.deepEqual(sealer.openJson(sealer.sealJson({ k: [1, 'x'] })), { k: [1, 'x'] });
    assert.throws(() => createSealer(randomBytes(32)).open(a), /TRIBUTARY_SECRET_KEY/);
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => sealer.open(`v1.${raw.toString('base64')}`));
  });
});

describe('secrets at rest and in the API (PostgreSQL)', () => {
  const SECRETS = {
    apiKey: 'sk_live_APIKEY_4f1c9e',
    password: 'pw:with:colons-and-ümlauts-77',
    token: 'bearer-TOKEN-93ab21',
    clientSecret: 'oauth-CLIENT-SECRET-c0ffee',
    header: 'header-SECRET-value-5150',
    webhook: 'whsec_WEBHOOK_SECRET_feed',
    updated: 'sk_live_UPDATED_KEY_77aa',
  };
  let db: TestDatabase;
  let gw: TestGateway;
  const logLines: string[] = [];
  before(async () => {
    db = await createPostgresDatabase();
    const stream = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    gw = await startGateway(db.config, { workers: false }, { logger: pino({ level: 'trace' }, stream) });
  });
  after(async () => {
    await gw?.stop();
    await db?.drop();
  });

  test('no API answer, log line or pg_dump holds a secret in plain text', async () => {
    const CREATE = `mutation($input: SourceInput!) { createSource(input: $input) { id } }`;
    const auths = [
      { type: 'API_KEY', apiKeyName: 'X-Api-Key', apiKey: SECRETS.apiKey },
      { type: 'BASIC', username: 'svc', password: SECRETS.password },
      { type: 'BEARER', token: SECRETS.token },
      { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: '/oauth/token', clientId: 'client-1', clientSecret: SECRETS.clientSecret, scope: 'read' },
    ];
    const ids: string[] = [];
    for (const [i, auth] of auths.entries()) {
      const data = await gw.ok(CREATE, { input: { name: `s${i}`, baseUrl: 'https://api.example.com', auth, headers: { 'X-Secret': SECRETS.header } } });
      ids.push(data.createSource.id);
    }
    const first = ids[0]!;
    await gw.ok(`mutation($id: ID!, $input: SourceInput!) { updateSource(id: $id, input: $input) { id } }`, {
      id: first,
      input: { name: 's0', baseUrl: 'https://api.example.com', auth: { type: 'API_KEY', apiKeyName: 'X-Api-Key', apiKey: SECRETS.updated } },
    });
    await gw.ok(`mutation($input: WebhookInput!) { createWebhook(input: $input) { id } }`, { input: { url: 'https://hooks.example.com/x', secret: SECRETS.webhook } });
    // A failed mutation must not echo the secret either.
    const failed = await gw.gql(CREATE, { input: { name: 'bad', baseUrl: 'nope', auth: { type: 'BEARER', token: SECRETS.token } } });
    assert.equal(failed.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

    const everything = await gw.gql(`{
      sources { id name baseUrl authType headerNames timeoutMs retry { maxRetries } rateLimit { requests } createdAt updatedAt collections { id } }
      webhooks { id url collectionId types deliveries { id } }
    }`);
    const answers = JSON.stringify([everything, failed]);
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', db.url!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.ok(dump.includes('https://api.example.com'), 'the dump does hold the sources');
    const logs = logLines.join('');
    for (const [name, secret] of Object.entries(SECRETS)) {
      assert.ok(!answers.includes(secret), `API answer holds ${name}`);
      assert.ok(!dump.includes(secret), `pg_dump holds ${name}`);
      assert.ok(!logs.includes(secret), `a log line holds ${name}`);
    }
    assert.ok(logs.includes('source created'), 'logs were captured');
  });
});
