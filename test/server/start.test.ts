import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { freePort, signal, signalGroup, spawnGateway, waitHealthy, type GatewayProcess } from '../helpers/process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-start-'));
let running: GatewayProcess | null = null;
after(() => {
  if (running) signalGroup(running, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function gql(port: number, token: string, query: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

test('npm start with no DATABASE_URL: healthy, prints a token, serves GraphiQL, stops on SIGTERM, keeps its data', { timeout: 120_000 }, async (t) => {
  const port = await freePort();
  running = spawnGateway({ TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_ADMIN_TOKEN: '' }, port);
  const ms = await waitHealthy(port, 30_000, running);
  t.diagnostic(`healthy after ${ms} ms`);
  const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.database, 'pglite');

  const token = /Admin token \(shown once, keep it\): (\S+)/.exec(running.output())?.[1];
  assert.ok(token, `the admin token is printed:\n${running.output()}`);
  assert.match(running.output(), new RegExp(`GraphiQL: http://\\S+:${port}/graphql`));
  const created = await gql(port, token, 'mutation { createSource(input: { name: "kept", baseUrl: "https://kept.example.com" }) { id } }');
  assert.ok(created.data?.createSource?.id, JSON.stringify(created));

  // GraphiQL renders in a real browser and can run a query with the token.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    assert.equal(await page.title(), 'Tributary');
    const inBrowser = await page.evaluate(async (tok) => {
      const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, body: JSON.stringify({ query: '{ sources { name } }' }) });
      return res.json();
    }, token);
    assert.deepEqual(inBrowser, { data: { sources: [{ name: 'kept' }] } });
  } finally {
    await browser.close();
  }

  const stopAt = Date.now();
  signal(running, 'SIGTERM');
  const code = await running.exited;
  t.diagnostic(`stopped ${Date.now() - stopAt} ms after SIGTERM`);
  assert.equal(code, 0);
  assert.ok(Date.now() - stopAt < 10_000, 'exits within 10 s');

  // A second start on the same data dir: same token, same data, no new token printed.
  running = spawnGateway({ TRIBUTARY_DATA_DIR: dataDir, TRIBUTARY_ADMIN_TOKEN: '' }, port);
  await waitHealthy(port, 30_000, running);
  assert.doesNotMatch(running.output(), /Admin token/);
  const again = await gql(port, token, '{ sources { name } }');
  assert.deepEqual(again.data, { sources: [{ name: 'kept' }] });
  signal(running, 'SIGINT');
  assert.equal(await running.exited, 0);
  running = null;
});
