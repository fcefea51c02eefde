import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

/** A real redis-server on 127.0.0.1, on a free port, with no persistence; stops with `stop()`. */
export interface RedisServerHandle {
  port: number;
  url: string;
  /** Kill the server (SIGKILL): simulates Redis dying mid-run. */
  kill(): Promise<void>;
  /** Start it again on the same port (data is gone, as after a crash without persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}


export async function startRedisServer(): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'taogate-redis-'));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: 'ignore' });
    // If the test process dies, the server must not outlive it.
    child.unref();
    await waitForPort(port, 10_000);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await launch();
  const onExit = (): void => { child?.kill('SIGKILL'); };
  process.once('exit', onExit);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    stop: async () => {
      await kill();
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
