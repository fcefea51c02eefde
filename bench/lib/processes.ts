import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server process started for a benchmark, pinned to one core when `taskset` exists. */
export interface BenchProcess {
  pid: number;
  /** The first match of the ready pattern in its output (e.g. the port it bound). */
  ready: RegExpMatchArray;
  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number;
  /** For gateways: ms paused in garbage collection so far, from the process's own /metrics. */
  gcPauseMs?(): Promise<number>;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100;

function hasTaskset(): boolean {
  try {
    readFileSync('/usr/bin/taskset');
    return true;
  } catch {
    return false;
  }
}

/** Starts `node <args>` and waits until its stdout/stderr matches `readyPattern` (if given). */
export async function startProcess(args: string[], options: { core?: number; env?: NodeJS.ProcessEnv; readyPattern?: RegExp; timeoutMs?: number; quiet?: boolean }): Promise<BenchProcess> {
  const pinned = options.core !== undefined && hasTaskset();
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', String(options.core), process.execPath, ...args] : args;
  // `quiet`: output goes to /dev/null at the OS level, as it would to a log collector, rather
  // than through a pipe this (busy) benchmark process has to drain.
  const child: ChildProcess = spawn(command, argv, { env: { ...process.env, ...options.env }, stdio: options.quiet === true ? ['ignore', 'ignore', 'ignore'] : ['ignore', 'pipe', 'pipe'] });
  const onExit = (): void => { child.kill('SIGKILL'); };
  process.once('exit', onExit);
  let output = '';
  const ready = options.readyPattern === undefined ? ([''] as RegExpMatchArray) : await new Promise<RegExpMatchArray>((resolve, reject) => {
    const pattern = options.readyPattern!;
    const timer = setTimeout(() => reject(new Error(`not ready in time: ${args.join(' ')}\n${output.slice(-2000)}`)), options.timeoutMs ?? 20_000);
    if (child.stdout === null) return reject(new Error('a quiet process has no output to wait for'));
    const onData = (data: Buffer): void => {
      output += data.toString();
      const match = output.match(pattern);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
      if (output.length > 100_000) output = output.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${args.join(' ')}\n${output.slice(-2000)}`));
    });
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  const pid = child.pid!;
  return {
    pid,
    ready,
    cpuMs() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
    },
    stop: () => new Promise<void>((resolve) => {
      process.off('exit', onExit);
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }),
  };
}
