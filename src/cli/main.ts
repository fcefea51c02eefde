import { ConfigError } from '../config/load.js';
import { ChainError } from '../metagraph/chain/errors.js';
import { demoCommand } from './demo.js';
import { metagraphCommand } from './metagraph.js';
import { minerCommand } from './miner.js';
import { serveCommand } from './serve.js';
import { keysCommand } from './keys.js';

const USAGE = `taogate: an OpenAI-compatible gateway onto Bittensor subnets

usage:
  taogate demo [--port N]            local subnet of reference miners + gateway (no chain, no Redis)
  taogate serve --config FILE        run the gateway (config also from TAOGATE_CONFIG)
  taogate miner --wallet NAME --allow SS58 [--upstream URL] [--axon]
                                     a miner verifying signed requests (taogate miner --help)
  taogate metagraph --netuid N [--network finney|test|local|URL] [--all]
                                     a subnet's miners as the gateway sees them (taogate metagraph --help)
  taogate keys create|list|revoke|usage|hash ...   API keys in Redis (taogate keys help)
  taogate help                       this text
`;

type Command = (args: string[], env: NodeJS.ProcessEnv) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  serve: serveCommand,
  miner: minerCommand,
  metagraph: metagraphCommand,
  keys: keysCommand,
};

/** The `taogate` CLI. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`unknown command: ${name}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    await command(args, env);
  } catch (error) {
    // Errors the user can act on print their message; anything else is a bug and prints its stack.
    const code = (error as { code?: string }).code;
    const message = error instanceof ConfigError || error instanceof ChainError || (error as Error).name === 'UsageError' || code?.startsWith('ERR_PARSE_ARGS')
      ? (error as Error).message
      : code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL'
        ? `cannot listen on ${(error as { address?: string }).address ?? ''}:${(error as { port?: number }).port ?? ''} (${code}); set server.port, PORT or --port`
        : String((error as Error)?.stack ?? error);
    process.stderr.write(`taogate ${name}: ${message}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2), process.env);
