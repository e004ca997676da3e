import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Runs the gateway as operators do (`npm start`), in its own process group so a signal reaches all of it. */
export function spawnGateway(env: Record<string, string>, port: number, command: string[] = ['npm', 'start', '--silent']): GatewayProcess {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, DATABASE_URL: '', PORT: String(port), HOST: '127.0.0.1', TRIBUTARY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port, output: () => out, exited };
}

/** Signals the process started (npm, as a supervisor would); npm passes it on to the gateway. */
export function signal(proc: GatewayProcess, sig: NodeJS.Signals) {
  try {
    process.kill(proc.child.pid!, sig);
  } catch {}
}

/** Signals the whole process group: for SIGKILL, which npm cannot pass on. */
export function signalGroup(proc: GatewayProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-proc.child.pid!, signal);
  } catch {}
}

/** Polls /healthz until 200; returns the milliseconds it took. */
export async function waitHealthy(port: number, timeoutMs: number, proc?: GatewayProcess): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return Date.now() - start;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway not healthy after ${timeoutMs} ms${proc ? `:\n${proc.output()}` : ''}`);
}
