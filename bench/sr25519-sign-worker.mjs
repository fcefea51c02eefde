// Worker for bench/sr25519.ts (plain JS, so the thread needs no TypeScript loader): answers sign jobs (WASM, the fastest backend) or no-op jobs,
// so the bench can price a worker round trip against signing inline.
import { parentPort, workerData } from 'node:worker_threads';
import * as wasm from '@polkadot/wasm-crypto';

await wasm.waitReady();
const { publicKey, secretKey } = workerData;

parentPort.on('message', ({ id, op, message }) => {
  if (op === 'noop') parentPort.postMessage({ id });
  else parentPort.postMessage({ id, signature: wasm.sr25519Sign(publicKey, secretKey, message) });
});
parentPort.postMessage({ ready: true });
