import type { ApiPromise } from '@polkadot/api';
import { formatIpv4, formatIpv6 } from '../../net/ip.js';
import type { Axon, Neuron } from '../types.js';
import { ChainError } from './errors.js';

/**
 * Decodes the SCALE answer of `NeuronInfoRuntimeApi.get_neurons_lite` into `Neuron`s.
 *
 * The layout comes from the runtime's own metadata (the API's registry), so a runtime upgrade
 * that reorders or adds fields still decodes. But @polkadot's codec needs ~100 µs per neuron:
 * decoding 1024 in one go blocks the event loop for 100+ ms, which would stall every request
 * the gateway is proxying. So the `Vec` is walked one element at a time and the decoder yields
 * (setImmediate) whenever a slice has used `sliceMs`.
 */

export type ChainRegistry = ApiPromise['registry'];

/** The codec surface we read; every field is looked up by name so a layout change fails loudly. */
interface Codec {
  readonly encodedLength: number;
  get(name: string): unknown;
}
interface IntCodec { toNumber(): number; toBigInt(): bigint }
interface BoolCodec { isTrue: boolean }
interface VecCodec<T> { readonly length: number; [index: number]: T }

export interface DecodeOptions {
  /** Longest stretch of synchronous decoding before yielding to the event loop (default 5 ms). */
  sliceMs?: number;
}

const U16_MAX = 65535;

function field<T>(codec: Codec, name: string): T {
  const value = codec.get(name);
  if (value === undefined) throw new ChainError(`NeuronInfoLite has no field ${name}: the runtime's layout changed`);
  return value as T;
}

const num = (codec: Codec, name: string): number => field<IntCodec>(codec, name).toNumber();
const big = (codec: Codec, name: string): bigint => field<IntCodec>(codec, name).toBigInt();
const bool = (codec: Codec, name: string): boolean => field<BoolCodec>(codec, name).isTrue;
const score = (codec: Codec, name: string): number => num(codec, name) / U16_MAX;

/** Axon text address from the chain's integer form: IPv4 in the low 32 bits when ip_type is 4, IPv6 otherwise. */
export function axonHost(ip: bigint, ipType: number): string {
  return ipType === 4 ? formatIpv4(ip) : formatIpv6(ip);
}

function decodeAxon(info: Codec): Axon | null {
  const ip = big(info, 'ip');
  const port = num(info, 'port');
  // A neuron that never served has ip 0; the chain refuses port 0 but old entries may hold it.
  if (ip === 0n || port === 0) return null;
  const ipType = num(info, 'ipType');
  return { host: axonHost(ip, ipType), port, ipType, protocol: num(info, 'protocol'), version: num(info, 'version') };
}

/** One `NeuronInfoLite` codec as a `Neuron`. */
export function neuronFromCodec(codec: Codec): Neuron {
  let stakeRao = 0n;
  const stake = field<VecCodec<[unknown, IntCodec]>>(codec, 'stake');
  for (let i = 0; i < stake.length; i += 1) stakeRao += (stake[i] as [unknown, IntCodec])[1].toBigInt();
  return {
    uid: num(codec, 'uid'),
    hotkey: String(field(codec, 'hotkey')),
    coldkey: String(field(codec, 'coldkey')),
    axon: decodeAxon(field<Codec>(codec, 'axonInfo')),
    active: bool(codec, 'active'),
    validatorPermit: bool(codec, 'validatorPermit'),
    stakeRao,
    emissionRao: big(codec, 'emission'),
    incentive: score(codec, 'incentive'),
    consensus: score(codec, 'consensus'),
    dividends: score(codec, 'dividends'),
    trust: score(codec, 'trust'),
    validatorTrust: score(codec, 'validatorTrust'),
    lastUpdate: num(codec, 'lastUpdate'),
  };
}

/** The element type of a `Vec<...>` type name, as the runtime API's metadata declares it. */
export function vecElementType(typeName: string): string {
  const m = /^Vec<(.+)>$/.exec(typeName.trim());
  if (!m) throw new ChainError(`expected a Vec<...> answer type, got ${typeName}`);
  return m[1] as string;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Decodes `Vec<elementType>` bytes into neurons, yielding to the event loop every `sliceMs`.
 * Throws a `ChainError` when the bytes do not hold exactly the announced number of elements.
 */
export async function decodeNeuronsLite(
  registry: ChainRegistry,
  elementType: string,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<Neuron[]> {
  const sliceMs = options.sliceMs ?? 5;
  // Start on a fresh turn of the loop: the caller has just parsed a 370 KB message in this one.
  await yieldToLoop();
  const length = registry.createType('Compact<u32>', bytes);
  const count = length.toNumber();
  const Element = registry.createClass(elementType);
  const neurons: Neuron[] = new Array<Neuron>(count);
  let offset = length.encodedLength;
  let sliceStart = performance.now();
  for (let i = 0; i < count; i += 1) {
    if (offset >= bytes.length) throw new ChainError(`neuron list truncated: ${i} of ${count} decoded`);
    const codec = new Element(registry, bytes.subarray(offset)) as unknown as Codec;
    offset += codec.encodedLength;
    neurons[i] = neuronFromCodec(codec);
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  if (offset !== bytes.length) throw new ChainError(`neuron list has ${bytes.length - offset} trailing bytes after ${count} neurons`);
  return neurons;
}
