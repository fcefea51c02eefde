import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metagraphCommand } from '../src/cli/metagraph.js';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { freePort } from './support/ports.js';

/** `taogate metagraph --netuid N`: the gateway's view of a subnet, as a table, read from the replayed finney SN1. */

let replay: ChainReplay;
beforeAll(async () => { replay = await startChainReplay(); });
afterAll(async () => { await replay?.close(); });

async function run(args: string[]): Promise<string> {
  let text = '';
  const out = new Writable({ write(chunk: Buffer, _enc, done) { text += chunk.toString('utf8'); done(); } });
  await metagraphCommand(args, {}, out);
  return text;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('taogate metagraph', () => {
  it('prints the eligible miners, best scored first, under a summary line', async () => {
    const lines = (await run(['--netuid', '1', '--network', replay.url])).trimEnd().split('\n');
    expect(lines[0]).toBe('netuid 1 · block 6852690 · 820/1024 eligible · scores from uniform');
    expect(lines[1]).toMatch(/^ UID\s+HOTKEY\s+ENDPOINT\s+SCORE\s+STATUS$/);
    expect(lines).toHaveLength(2 + 820);
    expect(lines[2]).toMatch(/^\s+0\s+5DkMmXtW…y1AQ\s+192\.222\.59\.109:6028\s+1\.000\s+eligible$/);
    expect(lines.slice(2).every((l) => l.endsWith('  eligible'))).toBe(true);
  });

  it('with --all, lists excluded neurons with their reasons', async () => {
    const text = await run(['--netuid', '1', '--network', replay.url, '--all', '--sort', 'uid', '--limit', '400']);
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('… 624 more');
    expect(lines.find((l) => /^\s*245\s/.test(l))).toMatch(/192\.150\.253\.122:8001\s+-\s+validator$/);
    expect(lines.find((l) => /^\s*395\s/.test(l))).toMatch(/-\s+-\s+not serving$/);
  });

  it('applies the same eligibility options as the gateway', async () => {
    const text = await run(['--netuid', '1', '--network', replay.url, '--include-validators', '--dedupe', 'coldkey', '--score-source', 'dividends', '--limit', '1']);
    expect(text.split('\n')[0]).toMatch(/^netuid 1 · block 6852690 · \d+\/1024 eligible · scores from dividends$/);
    await expect(run(['--network', replay.url])).rejects.toThrow(/--netuid is required/);
    await expect(run(['--netuid', '1', '--network', 'http://example.com'])).rejects.toThrow(/must be a ws:\/\/ or wss:\/\/ URL/);
    await expect(run(['--netuid', '1', '--score-source', 'stake'])).rejects.toThrow(/--score-source must be/);
  });

  it('runs as a command, and reports an unreachable chain in one line', async () => {
    const ok = await cli(['metagraph', '--netuid', '1', '--network', replay.url, '--limit', '2']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n').slice(0, 1)).toEqual(['netuid 1 · block 6852690 · 820/1024 eligible · scores from uniform']);
    expect(ok.stdout.trimEnd().split('\n')).toHaveLength(2 + 2 + 1);

    const down = await cli(['metagraph', '--netuid', '1', '--network', `ws://127.0.0.1:${await freePort()}`, '--timeout-ms', '2000']);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr.trim()).toMatch(/^taogate metagraph: cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(down.stderr).not.toMatch(/\n\s+at /);
  }, 60_000); // two tsx start-ups (each compiles the CLI and @polkadot) on two shared cores
});
