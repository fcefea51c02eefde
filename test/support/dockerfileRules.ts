import { DockerfileParser, ModifiableInstruction, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/**
 * hadolint-like checks of taogate's Dockerfile, written for what this image must be: Docker
 * cannot run here, so the rules stand in for building and inspecting it. Each returns the
 * problems it finds, in words; none means the rule holds.
 */

export interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** ARG defaults declared before the first FROM (used in FROM lines). */
  globalArgs: Record<string, string>;
  /** Syntax problems found by dockerfile-utils (the VS Code Dockerfile language service). */
  syntax: string[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const [image = '', , name] = instruction.getArguments().map((a) => a.getValue());
      stages.push({ name, image: image.replace(/\$\{?(\w+)\}?/g, (_m, arg: string) => globalArgs[arg] ?? `\${${arg}}`), instructions: [] });
    } else if (stages.length === 0 && keyword === 'ARG') {
      const [name, value = ''] = instruction.getArgumentsContent()!.split('=');
      globalArgs[name!] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  const syntax = validate(text, {}).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  return { stages, globalArgs, syntax };
}

const content = (i: Instruction): string => i.getArgumentsContent() ?? '';
const of = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.getKeyword() === keyword);
/** `COPY --from=x`: the stage or image copied from, if any. */
export function copyFrom(i: Instruction): string | undefined {
  if (!(i instanceof ModifiableInstruction)) return undefined;
  return i.getFlags().find((f) => f.getName() === 'from')?.getValue() ?? undefined;
}
/** Sources of a COPY/ADD (everything but the last argument), flags excluded. */
export function copySources(i: Instruction): string[] {
  return i.getArguments().map((a) => a.getValue()).slice(0, -1);
}

/** Files that configure or identify one deployment, which belong in mounts, never in the image. */
const SITE_FILES = /(^|\/)(deploy|config|configs|secrets?|wallets?|\.bittensor|\.taogate|\.env[^/]*)(\/|$)|\.(ya?ml|env|pem|key|json)$|hotkey|coldkey|mnemonic/i;
const ALLOWED_JSON = /^(package|package-lock|tsconfig)\.json$/;
const SECRET_NAMES = /SEED|MNEMONIC|PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|HOTKEY|PRIVATE/i;

export function dockerfileProblems(parsed: ParsedDockerfile): string[] {
  const problems = [...parsed.syntax];
  const { stages } = parsed;
  const final = stages.at(-1);
  if (final === undefined) return [...problems, 'no FROM'];

  // Multi-stage, so compilers and dev dependencies stay behind.
  if (stages.length < 2) problems.push('single stage: build and run in separate stages');
  for (const stage of stages) {
    if (stage.name === undefined) problems.push(`stage FROM ${stage.image} has no name (FROM image AS name)`);
    const [, tag] = stage.image.split(/:(?=[^/]*$)/);
    if (!stage.image.includes('@sha256:') && (tag === undefined || tag === 'latest')) problems.push(`base image ${stage.image} is not pinned to a tag`);
  }

  // Non-root.
  const user = of(final, 'USER').at(-1);
  if (user === undefined) problems.push('the final stage sets no USER: the process would run as root');
  else if (/^(root|0)(:|$)/.test(content(user).trim())) problems.push(`the final stage runs as ${content(user)}`);

  // A health check on liveness (not readiness: a draining replica must not be killed for it).
  const health = of(final, 'HEALTHCHECK').at(-1);
  if (health === undefined) problems.push('no HEALTHCHECK in the final stage');
  else if (!/\/healthz\b/.test(content(health))) problems.push('HEALTHCHECK does not probe /healthz');

  // Production dependencies only: node_modules comes from a stage that ran `npm ci --omit=dev`.
  const prodStages = new Set(stages.filter((s) => of(s, 'RUN').some((r) => /\bnpm ci\b[^&;]*--omit=dev/.test(content(r)))).map((s) => s.name));
  if (prodStages.size === 0) problems.push('no stage runs `npm ci --omit=dev`');
  const modules = of(final, 'COPY').filter((c) => copySources(c).some((s) => /node_modules/.test(s)));
  if (modules.length === 0) problems.push('the final stage copies no node_modules');
  for (const copy of modules) {
    if (!prodStages.has(copyFrom(copy))) problems.push(`node_modules copied from ${copyFrom(copy) ?? 'the build context'}, not from a stage that ran npm ci --omit=dev`);
  }
  for (const run of of(final, 'RUN')) {
    if (/\bnpm (ci|install|i)\b/.test(content(run)) && !/--omit=dev/.test(content(run))) problems.push(`the final stage installs dev dependencies: ${content(run)}`);
  }

  // Config and secrets are mounted at run time, never baked in.
  for (const stage of stages) {
    for (const copy of [...of(stage, 'COPY'), ...of(stage, 'ADD')]) {
      if (copyFrom(copy) !== undefined) continue;
      for (const source of copySources(copy)) {
        if (/^https?:/.test(source)) problems.push(`${copy.getKeyword()} from a URL: ${source}`);
        if (source === '.' || source === './' || source === '*') problems.push(`${copy.getKeyword()} ${source}: the whole context goes into the image`);
        if (SITE_FILES.test(source) && !ALLOWED_JSON.test(source)) problems.push(`${copy.getKeyword()} ${source}: configuration or secrets baked into the image`);
      }
    }
    for (const env of [...of(stage, 'ENV'), ...of(stage, 'ARG')]) {
      for (const name of content(env).split(/\s+/).map((kv) => kv.split('=')[0]!).filter(Boolean)) {
        if (SECRET_NAMES.test(name)) problems.push(`${env.getKeyword()} ${name}: a secret in the image (it stays in its history)`);
      }
    }
  }

  // The process is PID 1 and gets SIGTERM itself: exec form, no shell in between.
  const cmd = [...of(final, 'CMD'), ...of(final, 'ENTRYPOINT')].at(-1);
  if (cmd === undefined) problems.push('no CMD or ENTRYPOINT');
  else if (!content(cmd).trim().startsWith('[')) problems.push(`${cmd.getKeyword()} in shell form: a shell as PID 1 does not pass SIGTERM on`);
  const stop = of(final, 'STOPSIGNAL').at(-1);
  if (stop !== undefined && content(stop).trim() !== 'SIGTERM') problems.push(`STOPSIGNAL ${content(stop)}: the graceful drain starts on SIGTERM`);
  return problems;
}

/** ENV of a stage as a map (`ENV A=1 B=2`). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of of(stage, 'ENV')) {
    for (const pair of content(instruction).split(/\s+/).filter((p) => p.includes('='))) {
      const [name, ...value] = pair.split('=');
      env[name!] = value.join('=');
    }
  }
  return env;
}

export function instructionsOf(stage: Stage, keyword: string): string[] {
  return of(stage, keyword).map(content);
}

/**
 * Whether .dockerignore lets `path` into the build context: patterns in order, the last one
 * that matches decides (`!` re-includes), a pattern matching a directory covers its contents.
 */
export function dockerignoreAllows(ignore: string, path: string): boolean {
  let allowed = true;
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  for (const raw of ignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\//, '').replace(/\/$/, '');
    const regex = new RegExp(`^${pattern.split('**').map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}(/.*)?$`);
    if (regex.test(clean)) allowed = negated;
  }
  return allowed;
}
