import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every child started here, killed if the test process dies before its afterAll ran. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface GatewayProcess {
  pid: number;
  url: string;
  /** The JSON log lines it wrote so far (stdout), parsed. */
  logs: Array<Record<string, unknown>>;
  /** Everything it wrote that was not a JSON log line (stderr, stack traces). */
  output(): string;
  /** Resolves when the process is gone, with its exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(name: NodeJS.Signals): void;
  /** Polls /readyz until it answers 200. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGKILL, for cleanup. */
  kill(): Promise<void>;
}

/**
 * The real CLI (`taogate serve --config FILE`) in a child process, through tsx so no build is
 * needed: SIGTERM, exits and restarts are the ones production sees.
 */
export function spawnGateway(configPath: string, port: number, env: NodeJS.ProcessEnv = {}): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', configPath], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const logs: Array<Record<string, unknown>> = [];
  let other = '';
  let partial = '';
  child.stdout!.on('data', (data: Buffer) => {
    const lines = (partial + data.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        other += `${line}\n`;
      }
    }
  });
  child.stderr!.on('data', (data: Buffer) => { other += data.toString('utf8'); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid!,
    url,
    logs,
    output: () => other,
    exited,
    signal: (name) => { child.kill(name); },
    async waitReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode} before it was ready:\n${other.slice(-2_000)}`);
        // A fresh connection each time: a kept-alive one would outlive a restart.
        const ok = await fetch(`${url}/readyz`, { headers: { connection: 'close' } }).then((r) => r.ok, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`gateway at ${url} not ready after ${timeoutMs} ms:\n${other.slice(-2_000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
