import { loadConfig } from '../config/load.js';
import { buildGateway } from '../gateway/build.js';
import { demoConfig, demoSnippets } from '../demo/demoConfig.js';
import { startLocalSubnet, throwawayHotkey } from '../demo/localSubnet.js';
import { parseCommandArgs } from './args.js';
import { startAndWait } from './serve.js';

/** `taogate demo`: a local subnet of reference miners and the gateway in front, in one process. */
export async function demoCommand(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseCommandArgs(args, { port: { type: 'string', short: 'p' } });
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port ?? env.PORT}`);
  // Throwaway identities: the demo signs its traffic like a real validator, without a wallet.
  const gateway = await throwawayHotkey();
  const subnet = await startLocalSubnet(gateway.address);
  const { PORT: _port, TAOGATE_HOTKEY_MNEMONIC: _mnemonic, TAOGATE_HOTKEY_SEED: _seed, ...rest } = env;
  const config = loadConfig({ base: demoConfig(subnet, port, gateway.seed), env: rest });
  const running = await startAndWait(buildGateway(config), () => subnet.stop());
  process.stdout.write(demoSnippets(running.url, gateway.address));
}
