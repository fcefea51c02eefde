import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { buildGateway } from '../gateway/build.js';
import { runGateway, type RunningGateway } from '../gateway/run.js';
import { parseCommandArgs } from './args.js';
import { handleSignals, handleStrayErrors } from './signals.js';

/** `taogate serve --config FILE`: the production entry point. */
export async function serveCommand(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  await startAndWait(buildGateway(serveConfig(args, env)));
}

/**
 * The configuration `serve` runs with. `--port` wins over the file and over PORT: it is
 * applied as PORT, the last layer of loadConfig, not as a base the file would override.
 */
export function serveConfig(args: string[], env: NodeJS.ProcessEnv): Readonly<Config> {
  const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' }, port: { type: 'string' } });
  const path = values.config ?? env.TAOGATE_CONFIG;
  if (path === undefined) throw new Error('serve needs a config file: taogate serve --config FILE (or TAOGATE_CONFIG)');
  return loadConfig({ path, env: values.port === undefined ? env : { ...env, PORT: values.port } });
}

/** Starts a built gateway and stops it gracefully on SIGTERM/SIGINT. */
export async function startAndWait(parts: ReturnType<typeof buildGateway>, onStopped?: () => Promise<void>): Promise<RunningGateway> {
  handleStrayErrors(parts.logger);
  const running = await runGateway(parts);
  handleSignals(parts.logger, async () => {
    await running.stop(parts.config.server.shutdownGraceMs);
    await onStopped?.();
  });
  return running;
}
