import type { IdentityConfig } from '../config/identitySchema.js';
import { ConfigError } from '../config/load.js';
import {
  HotkeyError,
  hotkeyFromMnemonic,
  hotkeyFromSecretFile,
  hotkeyFromSeed,
  hotkeyFromWalletFile,
  sr25519Backend,
  type Hotkey,
  type Signer,
} from '../identity/index.js';
import type { CheckResult, ReadinessCheck } from '../lifecycle/readiness.js';
import type { Logger } from '../logging/logger.js';

/**
 * Loads the hotkey an identity config names. Failures become ConfigErrors whose messages come
 * from identity/ (written to be loggable: they name files, never their contents).
 */
export async function loadConfiguredHotkey(config: IdentityConfig): Promise<Hotkey> {
  try {
    if (config.mnemonic !== undefined) return await hotkeyFromMnemonic(config.mnemonic.reveal());
    if (config.seed !== undefined) return await hotkeyFromSeed(config.seed.reveal());
    if (config.secretFile !== undefined) return await hotkeyFromSecretFile(config.secretFile);
    return await hotkeyFromWalletFile({
      wallet: config.wallet ?? 'default',
      ...(config.hotkey === undefined ? {} : { hotkey: config.hotkey }),
      ...(config.walletsDir === undefined ? {} : { walletsDir: config.walletsDir }),
    });
  } catch (error) {
    // Anything but a HotkeyError could quote its input; say only that loading failed.
    const reason = error instanceof HotkeyError ? error.message : 'the hotkey could not be loaded';
    throw new ConfigError(`identity: ${reason}`);
  }
}

/**
 * The gateway's hotkey, loaded once when the gateway starts (before it takes traffic) and
 * shared by the signing transports. Only the ss58 address ever leaves this object.
 */
export class GatewayIdentity {
  readonly #config: IdentityConfig | undefined;
  readonly #logger: Logger;
  #hotkey: Hotkey | undefined;

  constructor(config: IdentityConfig | undefined, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  /** The ss58 address, once loaded. */
  get address(): string | undefined {
    return this.#hotkey?.address;
  }

  /** The signer for transports; a bound function so it can be handed out before loading. */
  readonly signer = (): Signer => {
    // Unreachable in a running gateway (the HTTP server starts after the services), but a
    // programming error must not sign with nothing.
    if (this.#hotkey === undefined) throw new Error('the gateway hotkey is not loaded');
    return this.#hotkey;
  };

  /** Loads the hotkey (when configured) and logs its address. */
  async start(): Promise<void> {
    if (this.#config === undefined || this.#hotkey !== undefined) return;
    this.#hotkey = await loadConfiguredHotkey(this.#config);
    this.#logger.info({ hotkey: this.#hotkey.address, sr25519: sr25519Backend() }, 'gateway hotkey loaded');
  }

  /** Facts for /readyz: the address, when there is one. */
  readinessInfo(): Record<string, unknown> {
    return this.#hotkey === undefined ? {} : { hotkey: this.#hotkey.address };
  }

  /** An `identity` readiness check when a hotkey is configured. */
  readinessChecks(): ReadinessCheck[] {
    if (this.#config === undefined) return [];
    return [{
      name: 'identity',
      check: (): CheckResult => (this.#hotkey === undefined ? { ok: false, reason: 'hotkey not loaded' } : { ok: true }),
    }];
  }
}
