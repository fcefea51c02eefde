import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { Secret } from './secret.js';

/** Environment variables that carry the hotkey secret (read by the config loader, never elsewhere). */
export const HOTKEY_ENV = { mnemonic: 'TAOGATE_HOTKEY_MNEMONIC', seed: 'TAOGATE_HOTKEY_SEED' } as const;

// A secret in a YAML file ends up in backups, repositories and `ps` output of editors; only the
// environment (or a file of its own, with its own permissions) may carry it.
const secretFromEnv = (variable: string) =>
  z.instanceof(Secret, { error: `set it through the ${variable} environment variable (or use identity.secretFile): secrets are not read from config files` });

/**
 * The gateway's hotkey: exactly one source. Wallet names follow btcli (`--wallet.name`,
 * `--wallet.hotkey`); `walletsDir` defaults to `~/.bittensor/wallets`, `hotkey` to `default`.
 */
export const identitySchema = z.strictObject({
  /** Wallet (coldkey) name under `walletsDir`; the hotkey file is `<walletsDir>/<wallet>/hotkeys/<hotkey>`. */
  wallet: z.string().min(1).optional(),
  /** Hotkey name inside the wallet. Default `default`. */
  hotkey: z.string().min(1).optional(),
  /** Default `~/.bittensor/wallets`; relative paths are read from the config file's folder. */
  walletsDir: z.string().min(1).optional(),
  /** From TAOGATE_HOTKEY_MNEMONIC. */
  mnemonic: secretFromEnv(HOTKEY_ENV.mnemonic).optional(),
  /** 0x + 64 hex (btwallet's `secretSeed`), from TAOGATE_HOTKEY_SEED. */
  seed: secretFromEnv(HOTKEY_ENV.seed).optional(),
  /** A file holding a wallet JSON keyfile, a 0x-hex seed or a mnemonic. */
  secretFile: z.string().min(1).optional(),
}).superRefine((identity, ctx) => {
  const sources = (['wallet', 'mnemonic', 'seed', 'secretFile'] as const).filter((key) => identity[key] !== undefined);
  if (sources.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: sources.length === 0
        ? `give one hotkey source: wallet, secretFile, or ${HOTKEY_ENV.mnemonic} / ${HOTKEY_ENV.seed} in the environment`
        : `give only one hotkey source, not ${sources.join(' and ')}`,
    });
  }
  if (identity.wallet === undefined && (identity.hotkey !== undefined || identity.walletsDir !== undefined)) {
    ctx.addIssue({ code: 'custom', message: 'hotkey and walletsDir only apply together with wallet' });
  }
});

export type IdentityConfig = z.infer<typeof identitySchema>;

/** The part of a parsed config this check reads. */
interface SigningView {
  identity?: unknown;
  models: Record<string, { protocol: string; source: { type: string; miners?: ReadonlyArray<{ protocol?: string | undefined }> | undefined } }>;
}

/**
 * Epistula and axon sign every request with the gateway's hotkey, so a config using them
 * without an identity is refused at load time, naming the models concerned.
 */
export function requireIdentityForSigning(config: SigningView, ctx: z.RefinementCtx): void {
  if (config.identity !== undefined) return;
  const signing = Object.entries(config.models)
    .filter(([, m]) => m.protocol !== 'openai' || (m.source.miners ?? []).some((miner) => miner.protocol !== undefined && miner.protocol !== 'openai'))
    .map(([name]) => name);
  if (signing.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: ['identity'],
    message: `required: model(s) ${signing.join(', ')} use epistula or axon, which sign every request with the gateway's hotkey; ` +
      `set identity.wallet, identity.secretFile, or ${HOTKEY_ENV.mnemonic} / ${HOTKEY_ENV.seed} in the environment`,
  });
}

/** The hotkey secrets of the environment, as Secrets under `identity` (merged above the file). */
export function identityFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const identity: Record<string, Secret> = {};
  // Taken verbatim: the generic TAOGATE__ path reads values as YAML, which would turn a 0x seed into a number.
  for (const [key, variable] of Object.entries(HOTKEY_ENV)) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== '') identity[key] = new Secret(value);
  }
  return Object.keys(identity).length > 0 ? { identity } : {};
}

/** Relative identity paths are read from the config file's folder, like static miner lists. */
export function resolveIdentityPaths(identity: unknown, baseDir: string): unknown {
  if (typeof identity !== 'object' || identity === null || Array.isArray(identity)) return identity;
  const out: Record<string, unknown> = { ...(identity as Record<string, unknown>) };
  for (const key of ['secretFile', 'walletsDir']) {
    const value = out[key];
    if (typeof value === 'string' && value !== '' && !value.startsWith('~') && !isAbsolute(value)) out[key] = resolve(baseDir, value);
  }
  return out;
}
