import { waitForPort } from './ports.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nginx config Compose runs; tests render this very file. */
export const NGINX_TEMPLATE = fileURLToPath(new URL('../../deploy/nginx/taogate.conf', import.meta.url));

/** Debian installs nginx in /usr/sbin, which is not always on a non-root PATH. */
export function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']) if (existsSync(candidate)) return candidate;
  return 'nginx';
}

/**
 * deploy/nginx/taogate.conf with loopback addresses: `server taogate-N:8080` becomes the Nth
 * gateway port, `listen 8080` the balancer's own port, and the access log (stdout in a
 * container) a file. Everything else is left as written.
 */
export function renderNginxConfig(template: string, listenPort: number, upstreamPorts: number[], accessLog: string): string {
  const servers = [...template.matchAll(/^\s*server taogate-(\d+):8080\b/gm)];
  if (servers.length !== upstreamPorts.length) throw new Error(`the template names ${servers.length} upstream servers, the test has ${upstreamPorts.length}`);
  const rendered = template
    .replace(/^(\s*)server taogate-(\d+):8080\b/gm, (_m, indent: string, n: string) => `${indent}server 127.0.0.1:${upstreamPorts[Number(n) - 1]}`)
    .replace(/^(\s*)listen 8080;/m, `$1listen 127.0.0.1:${listenPort};`);
  if (!rendered.includes(`listen 127.0.0.1:${listenPort};`)) throw new Error('the template has no `listen 8080;` line');
  if (!/access_log \S+ taogate;/.test(rendered)) throw new Error('the template has no `access_log ... taogate;` line');
  return rendered.replace(/access_log \S+ taogate;/, `access_log ${accessLog} taogate;`);
}

/** A main nginx.conf around an http-context snippet, with every path in `dir` (no root paths needed). */
function mainConfig(dir: string, snippet: string): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${snippet};
}
`;
}

export interface NginxHandle {
  url: string;
  port: number;
  /** Parsed lines of the access log (the template's `taogate` JSON format). */
  accessLog(): Array<Record<string, unknown>>;
  errorLog(): string;
  stop(): Promise<void>;
}

/** Writes the config files of one nginx instance into a fresh directory; returns the main file. */
export function writeNginxConfig(snippetText: (dir: string) => string): { dir: string; main: string } {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-nginx-'));
  // Worker processes run as an unprivileged user when the test runs as root: let them in.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'tmp'), { mode: 0o777 });
  chmodSync(join(dir, 'tmp'), 0o777);
  const snippet = join(dir, 'taogate.conf');
  writeFileSync(snippet, snippetText(dir));
  const main = join(dir, 'nginx.conf');
  writeFileSync(main, mainConfig(dir, snippet));
  return { dir, main };
}

/** `nginx -t` on a main config: syntax and semantics as nginx itself sees them. */
export function nginxCheck(main: string): { ok: boolean; output: string } {
  const result = spawnSync(nginxBinary(), ['-t', '-q', '-c', main], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** Starts nginx in the foreground on 127.0.0.1 with the rendered template; the access log goes to a file. */
export async function startNginx(listenPort: number, upstreamPorts: number[]): Promise<NginxHandle> {
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');
  const { dir, main } = writeNginxConfig((d) => renderNginxConfig(template, listenPort, upstreamPorts, join(d, 'access.log')));
  const accessPath = join(dir, 'access.log');
  const check = nginxCheck(main);
  if (!check.ok) throw new Error(`nginx -t failed:\n${check.output}`);
  const child: ChildProcess = spawn(nginxBinary(), ['-c', main, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const onExit = (): void => { child.kill('SIGKILL'); };
  process.once('exit', onExit);
  await waitForPort(listenPort, 10_000, () => stderr);
  return {
    url: `http://127.0.0.1:${listenPort}`,
    port: listenPort,
    accessLog: () => (existsSync(accessPath) ? readFileSync(accessPath, 'utf8') : '').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    errorLog: () => `${stderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`,
    stop: async () => {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM: nginx's fast shutdown (master and workers).
        await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

