/**
 * The gateway as users run it (the build npm start runs: dist/main.mjs) in a child process on a given database, plus what the benchmarks ask
 * of it: GraphQL calls, its peak RSS (the kernel's high-water mark, so no
 * spike between samples is missed), and a clean stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TOKEN = 'bench-admin-token-0123456789abcdef';
const root = path.resolve(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GatewayProcess {
  url: string;
  pid: number;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A subscription over SSE: each event's data, until the server ends the stream. */
  subscribe<T = any>(query: string, variables?: Record<string, unknown>): AsyncGenerator<T>;
  /** VmHWM of the process: the most resident memory it has had. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

let built = false;

/** npm start's own build step, once per benchmark process. */
function build(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  built = true;
}

export async function startGatewayProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  build();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
  // BENCH_CPU_PROF=<dir>: the gateway writes a V8 CPU profile there on exit.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_FLAGS="...": extra node flags for the gateway, to try one out (npm start sets none).
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...profile, ...flags, '--enable-source-maps', 'dist/main.mjs'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      TRIBUTARY_ADMIN_TOKEN: TOKEN,
      TRIBUTARY_SECRET_KEY: randomBytes(32).toString('hex'),
      TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      // What npm start sets.
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      ...env,
    },
    // BENCH_LOG_LEVEL=info shows each run's log line, with where its time went.
    stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 600 || child.exitCode !== null) throw new Error('gateway not ready after 60 s');
    await sleep(100);
  }
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    url,
    pid: child.pid!,
    async gql(query, variables = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    },
    async *subscribe(query, variables = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ query, variables }),
      });
      if (!res.ok || !res.body) throw new Error(`subscription: HTTP ${res.status}`);
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (/^event: complete/m.test(event)) return;
          const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n').trim();
          if (!data) continue;
          const body = JSON.parse(data) as { data?: any; errors?: unknown };
          if (body.errors) throw new Error(JSON.stringify(body.errors));
          yield body.data;
        }
      }
    },
    peakRssBytes() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      return Number(kb ?? 0) * 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
