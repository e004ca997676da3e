import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type AppOptions } from '../../src/app';
import type { Config, DatabaseConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import type { Runtime } from '../../src/runtime';
import { runWorkers } from '../../src/workers';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface GraphqlResult<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } & Record<string, unknown> }>;
}

export interface TestGateway {
  url: string;
  port: number;
  rt: Runtime;
  config: Config;
  /** POSTs a GraphQL operation with the admin token (or `token`, or none with null). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphqlResult<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export function testConfig(database: DatabaseConfig, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    database,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-test-')),
    adminToken: ADMIN_TOKEN,
    secretKey: randomBytes(32),
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    workerConcurrency: 2,
    runLeaseMs: 5_000,
    deleteGuardRatio: 0.5,
    eventRetentionDays: 7,
    maxRecordErrors: 1000,
    workers: true,
    ...overrides,
  };
}

/** Starts a real gateway in this process on port 0 (workers included unless config.workers is false). */
export async function startGateway(database: DatabaseConfig, overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<TestGateway> {
  const config = testConfig(database, overrides);
  const app = buildApp(config, { logger: createLogger(config.logLevel), workers: runWorkers, ...options });
  const { url, port } = await app.start();
  const gql = async (query: string, variables?: Record<string, unknown>, token: string | null = ADMIN_TOKEN) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphqlResult;
  };
  return {
    url,
    port,
    config,
    rt: app.runtime(),
    gql,
    async ok(query, variables) {
      const result = await gql(query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async stop() {
      await app.stop();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
