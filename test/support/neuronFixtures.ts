import { ApiPromise, WsProvider } from '@polkadot/api';
import { encodeAddress } from '@polkadot/util-crypto';
import { loadRecording, type ChainReplay } from './chainReplay.js';

/**
 * Helpers over the recorded `get_neurons_lite` answer: the raw bytes, an independent walk of
 * them, and re-encoding a modified neuron set with @polkadot/api's own registry.
 */

/** The recorded SCALE answer of `NeuronInfoRuntimeApi_get_neurons_lite(1)`, as hex. */
export function recordedNeuronsHex(): string {
  const answers = loadRecording().responses['state_call'] ?? {};
  const entry = Object.entries(answers).find(([params]) => params.includes('get_neurons_lite'));
  if (!entry) throw new Error('recording has no get_neurons_lite answer');
  return entry[1].result as string;
}

/** One neuron as read by hand from the bytes, following subtensor's `NeuronInfoLite` field order. */
export interface WalkedNeuron {
  hotkey: string;
  coldkey: string;
  uid: number;
  netuid: number;
  active: boolean;
  axon: { block: bigint; version: number; ip: bigint; port: number; ipType: number; protocol: number };
  stake: bigint[];
  emission: bigint;
  incentive: number;
  consensus: number;
  trust: number;
  validatorTrust: number;
  dividends: number;
  lastUpdate: bigint;
  validatorPermit: boolean;
}

class Cursor {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean { return this.pos === this.bytes.length; }
  u8(): number {
    const b = this.bytes[this.pos];
    if (b === undefined) throw new Error(`read past the end at ${this.pos}`);
    this.pos += 1;
    return b;
  }
  /** Little-endian unsigned integer of `n` bytes. */
  le(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i += 1) v |= BigInt(this.u8()) << BigInt(8 * i);
    return v;
  }
  take(n: number): Uint8Array {
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** SCALE compact integer: the two low bits of the first byte give the mode. */
  compact(): bigint {
    const first = this.bytes[this.pos] as number;
    switch (first & 3) {
      case 0: this.pos += 1; return BigInt(first >> 2);
      case 1: return this.le(2) >> 2n;
      case 2: return this.le(4) >> 2n;
      default: this.pos += 1; return this.le((first >> 2) + 4);
    }
  }
  bool(): boolean { return this.u8() === 1; }
}

/** Walks `Vec<NeuronInfoLite>` bytes by hand (no @polkadot codec involved); throws unless it ends exactly. */
export function walkNeuronsLite(hex: string): WalkedNeuron[] {
  const c = new Cursor(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
  const count = Number(c.compact());
  const out: WalkedNeuron[] = [];
  const account = (): string => encodeAddress(c.take(32), 42);
  for (let i = 0; i < count; i += 1) {
    const hotkey = account();
    const coldkey = account();
    const uid = Number(c.compact());
    const netuid = Number(c.compact());
    const active = c.bool();
    const axon = {
      block: c.le(8), version: Number(c.le(4)), ip: c.le(16), port: Number(c.le(2)), ipType: c.u8(), protocol: c.u8(),
    };
    c.u8(); c.u8(); // placeholder1, placeholder2
    c.le(8); c.le(4); c.le(16); c.le(2); c.u8(); // prometheus_info: block, version, ip, port, ip_type
    const stake: bigint[] = [];
    const stakes = Number(c.compact());
    for (let s = 0; s < stakes; s += 1) { c.take(32); stake.push(c.compact()); }
    c.compact(); // rank
    const emission = c.compact();
    const [incentive, consensus, trust, validatorTrust, dividends] = [0, 0, 0, 0, 0].map(() => Number(c.compact()));
    const lastUpdate = c.compact();
    const validatorPermit = c.bool();
    c.compact(); // pruning_score
    out.push({
      hotkey, coldkey, uid, netuid, active, axon, stake, emission, lastUpdate, validatorPermit,
      incentive: incentive as number, consensus: consensus as number, trust: trust as number,
      validatorTrust: validatorTrust as number, dividends: dividends as number,
    });
  }
  if (!c.done) throw new Error(`walk ended at ${c.pos}, not at the end`);
  return out;
}

/** Dotted quad of the low 32 bits, with plain number arithmetic (a different path from src/net/ip.ts). */
export function ipv4ByHand(ip: bigint): string {
  const n = Number(ip % 4294967296n);
  return [Math.floor(n / 16777216), Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256].join('.');
}

/** An ApiPromise on the replay, for building storage keys and SCALE values with the runtime's own types. */
export async function connectFixtureApi(replay: ChainReplay): Promise<ApiPromise> {
  const provider = new WsProvider(replay.url, false);
  await provider.connect();
  return await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
}

/** A neuron as @polkadot's `toJSON()` gives it, which `createType` accepts back. */
export type NeuronJson = Record<string, unknown> & { uid: number; axonInfo: Record<string, unknown> };

/** The recorded neuron set with `transform` applied to each neuron, re-encoded as `Vec<NeuronInfoLite>` hex. */
export function reencodeNeurons(api: ApiPromise, transform: (neuron: NeuronJson) => NeuronJson): string {
  const call = (api.call as unknown as Record<string, Record<string, { meta: { type: { toString(): string } } }>>)['neuronInfoRuntimeApi'];
  const type = call?.['getNeuronsLite']?.meta.type.toString();
  if (!type) throw new Error('runtime has no getNeuronsLite');
  const decoded = api.registry.createType(type, recordedNeuronsHex()).toJSON() as NeuronJson[];
  return api.registry.createType(type, decoded.map(transform)).toHex();
}

/** The weights storage key and SCALE value of `SubtensorModule.Weights(netuid, uid) = row`, built with the runtime's types. */
export function weightsStorage(api: ApiPromise, netuid: number, uid: number, row: Array<[number, number]>): { key: string; value: string } {
  const query = (api.query as unknown as Record<string, Record<string, { key(...args: number[]): string; creator: { meta: { type: { asMap: { value: unknown } } } } }>>)['subtensorModule']?.['weights'];
  if (!query) throw new Error('runtime has no SubtensorModule.Weights');
  const valueType = api.registry.lookup.getTypeDef(query.creator.meta.type.asMap.value as never).type;
  return { key: query.key(netuid, uid), value: api.registry.createType(valueType, row).toHex() };
}
