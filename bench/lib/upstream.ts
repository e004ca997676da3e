/** The stand-in upstream API (bench/api-server.ts) in a child process of its own, so serving pages does not share a CPU queue with what is measured. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface Upstream {
  baseUrl: string;
  /** Changes every (1/share)-th record (a field and its `updated` time); answers how many. */
  mutate(share: number): Promise<number>;
  stop(): void;
}

export async function startUpstream(count: number): Promise<Upstream> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'api-server.ts'), String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`api server exited with ${code}`)));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    async mutate(share) {
      const res = await fetch(`${baseUrl}/mutate?share=${share}`, { method: 'POST' });
      return ((await res.json()) as { changed: number }).changed;
    },
    stop: () => child.kill(),
  };
}
