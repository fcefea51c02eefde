import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { startRedisServer, type RedisServerHandle } from './redisServer.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function launch(args: string[], dir: string): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore', cwd: dir });
  child.unref();
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready in time`);
    await sleep(100);
  }
}

/** A real Sentinel watching a real master named `mymaster`. */
export async function startSentinel(): Promise<{ master: RedisServerHandle; port: number; stop(): Promise<void> }> {
  const master = await startRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'taogate-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds mymaster 5000\n`);
  const child = launch([conf, '--sentinel'], dir);
  await until('sentinel', async () => (await cli(port, 'SENTINEL', 'get-master-addr-by-name', 'mymaster')).includes(String(master.port)));
  return {
    master, port,
    stop: async () => {
      child.kill('SIGKILL');
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real three-master Redis Cluster (no replicas). */
export async function startCluster(): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children = ports.map((port) => launch([
    '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
    '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning',
  ], dir));
  for (const port of ports) await until(`cluster node ${port}`, async () => (await cli(port, 'PING')) === 'PONG');
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes']);
  // Every node, not just the first: a node still learning the slot map by gossip answers
  // CLUSTERDOWN, which the gateway rightly counts as Redis failing.
  for (const port of ports) {
    await until(`cluster state on ${port}`, async () => {
      const info = await cli(port, 'CLUSTER', 'INFO');
      return info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3') && info.includes('cluster_slots_ok:16384');
    });
  }
  return {
    ports,
    stop: async () => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
