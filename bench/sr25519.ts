// sr25519 speed and cross-compatibility, for a typical Epistula message (~160 bytes).
//
//   npx tsx bench/sr25519.ts
//
// Compares the implementations available to the gateway, checks that every implementation
// accepts every other's signatures (miners verify with Rust schnorrkel via Python), and prices
// a worker_threads round trip against signing inline. `runSr25519Bench()` returns the numbers
// for a top-level bench runner; run directly, this file prints them.
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Keyring } from '@polkadot/keyring';
import {
  cryptoWaitReady,
  mnemonicToMiniSecret,
  signatureVerify,
  sr25519PairFromSeed,
  sr25519Sign,
  sr25519Verify,
} from '@polkadot/util-crypto';
import * as scure from '@scure/sr25519';
import * as wasm from '@polkadot/wasm-crypto';
import { hotkeyFromMnemonic, sr25519Backend, verifySignature } from '../src/identity/index.js';

// Public test vector from PROTOCOLS.md §5; never a real key.
const PHRASE = 'old leopard transfer rib spatial phone calm indicate online fire caution review';

/** How long to measure: `rounds` timed rounds of at least `roundMs` each (the median is kept). */
export interface BenchOptions {
  rounds: number;
  roundMs: number;
}

/** One implementation's median µs per signature and per verification. */
export interface ImplementationResult {
  name: string;
  signUs: number;
  verifyUs: number;
}

/** What offloading signing to a worker thread would cost and save, per signature. */
export interface WorkerResult {
  noopRoundTripUs: number;
  signRoundTripUs: number;
  pipelinedSignWallUs: number;
  pipelinedSignMainThreadUs: number;
  inlineSignUs: number;
  workerSignatureValid: boolean;
  offloadSavesMainThreadUs: number;
  offloadAddsLatencyUs: number;
  cheaperThanRoundTrip: boolean;
}

/** Everything `runSr25519Bench` measured. */
export interface Sr25519BenchResult {
  messageBytes: number;
  implementations: ImplementationResult[];
  crossVerifyOk: boolean;
  crossVerify: boolean[][];
  fastestSign: string;
  fastestVerify: string;
  worker: WorkerResult;
}

interface Implementation {
  name: string;
  sign: () => Uint8Array;
  verify: (signature: Uint8Array) => boolean;
}

/** Median µs/op of `fn` over `rounds` timed rounds of at least `roundMs` each, after a warm-up. */
function measure(fn: () => unknown, { rounds, roundMs }: BenchOptions): number {
  const warmUntil = performance.now() + roundMs;
  while (performance.now() < warmUntil) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      for (let i = 0; i < 10; i++) fn();
      n += 10;
      now = performance.now();
    }
    samples.push(((now - start) * 1000) / n);
  }
  return median(samples);
}

/** Median µs/op of an async job run one at a time (a round trip), after a warm-up. */
async function measureAsync(job: () => Promise<unknown>, { rounds, roundMs }: BenchOptions): Promise<number> {
  const warmUntil = performance.now() + roundMs;
  while (performance.now() < warmUntil) await job();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < roundMs) {
      await job();
      n++;
    }
    samples.push(((performance.now() - start) * 1000) / n);
  }
  return median(samples);
}

const round = (x: number): number => Math.round(x * 10) / 10;
const median = (xs: number[]): number => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);

/**
 * Many jobs in flight at once: wall µs/op, and the main thread's own busy µs/op (event-loop
 * utilisation), which is what offloading would save the gateway's event loop.
 */
async function measurePipelined(job: () => Promise<unknown>, { rounds, roundMs }: BenchOptions, inFlight = 32): Promise<{ wallUs: number; mainThreadUs: number }> {
  const batch = (): Promise<unknown[]> => Promise.all(Array.from({ length: inFlight }, job));
  const warmUntil = performance.now() + roundMs;
  while (performance.now() < warmUntil) await batch();
  const walls: number[] = [];
  const busy: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const elu = performance.eventLoopUtilization();
    const start = performance.now();
    while (performance.now() - start < roundMs) {
      await batch();
      n += inFlight;
    }
    walls.push(((performance.now() - start) * 1000) / n);
    busy.push((performance.eventLoopUtilization(elu).active * 1000) / n);
  }
  return { wallUs: median(walls), mainThreadUs: median(busy) };
}

function epistulaMessage(address: string): Uint8Array {
  const bodyHash = createHash('sha256').update('{"model":"x","messages":[{"role":"user","content":"hi"}]}').digest('hex');
  return new TextEncoder().encode(`${bodyHash}.${randomUUID()}.${Date.now()}.${address}`);
}

interface SignWorker {
  call(op: 'noop' | 'sign', message?: Uint8Array): Promise<Uint8Array | undefined>;
  stop(): Promise<number>;
}

/** A worker thread that signs (or does nothing) on request; plain JS, so it needs no loader. */
async function startSignWorker(pair: { publicKey: Uint8Array; secretKey: Uint8Array }): Promise<SignWorker> {
  const worker = new Worker(fileURLToPath(new URL('./sr25519-sign-worker.mjs', import.meta.url)), {
    workerData: { publicKey: pair.publicKey, secretKey: pair.secretKey },
  });
  const pending = new Map<number, (signature: Uint8Array | undefined) => void>();
  let nextId = 0;
  await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', resolve);
  });
  worker.on('message', ({ id, signature }: { id: number; signature?: Uint8Array }) => {
    pending.get(id)?.(signature);
    pending.delete(id);
  });
  const call = (op: 'noop' | 'sign', message?: Uint8Array): Promise<Uint8Array | undefined> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ id, op, message });
    });
  return { call, stop: () => worker.terminate() };
}

/**
 * Runs the benchmark. `rounds` timed rounds of `roundMs` each per measurement (median kept).
 * Returns µs/op per implementation, the cross-verification matrix and the worker costs.
 */
export async function runSr25519Bench({ rounds = 5, roundMs = 200 }: Partial<BenchOptions> = {}): Promise<Sr25519BenchResult> {
  const opts: BenchOptions = { rounds, roundMs };
  await cryptoWaitReady();
  const keyringPair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(PHRASE);
  const pair = sr25519PairFromSeed(mnemonicToMiniSecret(PHRASE));
  const hotkey = await hotkeyFromMnemonic(PHRASE);
  const address = hotkey.address;
  const message = epistulaMessage(address);

  const implementations: Implementation[] = [
    {
      name: '@polkadot/keyring pair.sign + util-crypto signatureVerify',
      sign: () => keyringPair.sign(message),
      verify: (sig) => signatureVerify(message, sig, address).isValid,
    },
    {
      name: '@polkadot/util-crypto sr25519Sign/Verify (JS: bundled @scure/sr25519@0.2.0)',
      sign: () => sr25519Sign(message, pair),
      verify: (sig) => sr25519Verify(message, sig, pair.publicKey),
    },
    {
      name: '@scure/sr25519@2.3.0 (pure JS)',
      sign: () => scure.sign(pair.secretKey, message),
      verify: (sig) => scure.verify(message, sig, pair.publicKey),
    },
    {
      name: '@polkadot/wasm-crypto 7.5.4 (WASM schnorrkel)',
      sign: () => wasm.sr25519Sign(pair.publicKey, pair.secretKey, message),
      verify: (sig) => wasm.sr25519Verify(sig, message, pair.publicKey),
    },
    {
      name: `taogate src/identity (backend: ${sr25519Backend()})`,
      sign: () => hotkey.sign(message),
      verify: (sig) => verifySignature(message, sig, address),
    },
  ];

  // Every implementation must accept every other's signatures.
  const signatures = implementations.map((impl) => impl.sign());
  const crossVerify = implementations.map((verifier) => signatures.map((sig) => verifier.verify(sig)));
  const crossVerifyOk = crossVerify.every((row) => row.every(Boolean));

  const results: ImplementationResult[] = implementations.map((impl, i) => ({
    name: impl.name,
    signUs: measure(impl.sign, opts),
    verifyUs: measure(() => impl.verify(signatures[i]!), opts),
  }));

  const worker = await startSignWorker(pair);
  let workerResult: WorkerResult;
  try {
    const noopRoundTripUs = await measureAsync(() => worker.call('noop'), opts);
    const signRoundTripUs = await measureAsync(() => worker.call('sign', message), opts);
    const pipelined = await measurePipelined(() => worker.call('sign', message), opts);
    const inlineSignUs = measure(() => hotkey.sign(message), opts);
    const workerSig = await worker.call('sign', message);
    workerResult = {
      noopRoundTripUs,
      signRoundTripUs,
      pipelinedSignWallUs: pipelined.wallUs,
      pipelinedSignMainThreadUs: pipelined.mainThreadUs,
      inlineSignUs,
      workerSignatureValid: workerSig !== undefined && verifySignature(message, workerSig, address),
      // What offloading would take off the event loop per signature, and what it adds to the
      // latency of one signature. Signing cheaper than a bare round trip always stays inline.
      offloadSavesMainThreadUs: round(inlineSignUs - pipelined.mainThreadUs),
      offloadAddsLatencyUs: round(signRoundTripUs - inlineSignUs),
      cheaperThanRoundTrip: inlineSignUs <= noopRoundTripUs,
    };
  } finally {
    await worker.stop();
  }

  const fastest = (key: 'signUs' | 'verifyUs'): string => results.slice(0, 4).reduce((a, b) => (b[key] < a[key] ? b : a)).name;
  return {
    messageBytes: message.length,
    implementations: results,
    crossVerifyOk,
    crossVerify,
    fastestSign: fastest('signUs'),
    fastestVerify: fastest('verifyUs'),
    worker: workerResult,
  };
}

export function printSr25519Bench(result: Sr25519BenchResult): void {
  const width = Math.max(...result.implementations.map((r) => r.name.length));
  console.log(`sr25519, ${result.messageBytes}-byte message (median µs/op)\n`);
  console.log(`${'implementation'.padEnd(width)}  ${'sign'.padStart(8)}  ${'verify'.padStart(8)}`);
  for (const r of result.implementations) {
    console.log(`${r.name.padEnd(width)}  ${r.signUs.toFixed(1).padStart(8)}  ${r.verifyUs.toFixed(1).padStart(8)}`);
  }
  console.log(`\ncross-verification (every verifier accepts every signer): ${result.crossVerifyOk ? 'ok' : 'FAILED'}`);
  console.log(`fastest sign:   ${result.fastestSign}\nfastest verify: ${result.fastestVerify}`);
  const w = result.worker;
  console.log(
    `\nworker_threads (µs/op): inline sign ${w.inlineSignUs}; one job at a time: no-op round trip ` +
      `${w.noopRoundTripUs}, sign round trip ${w.signRoundTripUs}; 32 in flight: wall ${w.pipelinedSignWallUs}, ` +
      `main-thread busy ${w.pipelinedSignMainThreadUs}.\n` +
      `offloading would save the event loop ${w.offloadSavesMainThreadUs} µs and add ${w.offloadAddsLatencyUs} µs ` +
      `latency per signature; inline sign is ${w.cheaperThanRoundTrip ? '' : 'not '}cheaper than a bare round trip`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runSr25519Bench();
  printSr25519Bench(result);
  if (!result.crossVerifyOk || !result.worker.workerSignatureValid) process.exitCode = 1;
}
