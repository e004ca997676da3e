import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { loadConfig } from '../../src/config';
import { sign } from '../../src/webhooks/payload';
import { retryDelayMs, WEBHOOK_DEFAULTS, webhookSettings } from '../../src/webhooks/settings';

test('TRIBUTARY_WEBHOOK_* set the delivery settings; the rest keep their defaults', () => {
  const config = loadConfig({ TRIBUTARY_WEBHOOK_BATCH_SIZE: '25', TRIBUTARY_WEBHOOK_MAX_ATTEMPTS: '3', TRIBUTARY_WEBHOOK_TIMEOUT_MS: '' });
  assert.deepEqual(webhookSettings(config), { ...WEBHOOK_DEFAULTS, batchSize: 25, maxAttempts: 3 });
  assert.throws(() => loadConfig({ TRIBUTARY_WEBHOOK_BATCH_SIZE: '0' }), /TRIBUTARY_WEBHOOK_BATCH_SIZE/);
  assert.deepEqual(webhookSettings({ ...config, webhooks: undefined }), WEBHOOK_DEFAULTS);
});

test('a lease always outlasts one attempt', () => {
  const config = loadConfig({ TRIBUTARY_WEBHOOK_TIMEOUT_MS: '20000', TRIBUTARY_WEBHOOK_LEASE_MS: '5000' });
  assert.equal(webhookSettings(config).leaseMs, 21_000);
});

test('retry delays grow exponentially with jitter, capped; Retry-After is honoured up to the cap', () => {
  const s = { ...WEBHOOK_DEFAULTS, backoffBaseMs: 1_000, backoffMaxMs: 10_000 };
  for (let i = 0; i < 50; i++) {
    const d1 = retryDelayMs(s, 1);
    const d3 = retryDelayMs(s, 3);
    const d9 = retryDelayMs(s, 9);
    assert.ok(d1 >= 500 && d1 <= 1_000, `first: ${d1}`);
    assert.ok(d3 >= 2_000 && d3 <= 4_000, `third: ${d3}`);
    assert.ok(d9 >= 5_000 && d9 <= 10_000, `capped: ${d9}`);
  }
  assert.equal(retryDelayMs(s, 1, 7_000), 7_000);
  assert.equal(retryDelayMs(s, 1, 60_000), 10_000);
});

test('the signature is sha256= and the hex HMAC-SHA256 of the raw body', () => {
  const body = '{"events":[]}';
  assert.equal(sign('k', body), `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
});
