import type { ApiPromise } from '@polkadot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainReader, type NeuronReader } from '../src/metagraph/chain/reader.js';
import type { NeuronSnapshot } from '../src/metagraph/types.js';
import { RECORDED_BLOCK, RECORDED_BLOCK_HASH, startChainReplay, type ChainReplay } from './support/chainReplay.js';
import {
  connectFixtureApi, ipv4ByHand, recordedNeuronsHex, reencodeNeurons, walkNeuronsLite, weightsStorage, type WalkedNeuron,
} from './support/neuronFixtures.js';

let replay: ChainReplay;
let reader: NeuronReader;
let api: ApiPromise;
let snapshot: NeuronSnapshot;
let walked: WalkedNeuron[];

beforeAll(async () => {
  replay = await startChainReplay();
  reader = createChainReader({ endpoint: replay.url, now: () => 1_700_000_000_000 });
  snapshot = await reader.readNeurons(1);
  walked = walkNeuronsLite(recordedNeuronsHex());
  api = await connectFixtureApi(replay);
});

afterAll(async () => {
  await api?.disconnect();
  await reader?.close();
  await replay?.close();
});

const byUid = (uid: number) => {
  const n = snapshot.neurons.find((x) => x.uid === uid);
  if (!n) throw new Error(`no uid ${uid}`);
  return n;
};

describe('chain reader on the finney SN1 recording', () => {
  it('reads 1024 neurons at block 6,852,690: 827 serve, 12 hold a validator permit', () => {
    expect(snapshot.netuid).toBe(1);
    expect(snapshot.block).toBe(RECORDED_BLOCK);
    expect(snapshot.fetchedAt).toBe(1_700_000_000_000);
    expect(snapshot.neurons).toHaveLength(1024);
    expect(snapshot.neurons.map((n) => n.uid)).toEqual([...Array(1024).keys()]);
    expect(snapshot.neurons.filter((n) => n.axon !== null)).toHaveLength(827);
    expect(snapshot.neurons.filter((n) => n.validatorPermit)).toHaveLength(12);
    // The whole incentive sits on one uid, which serves nothing.
    const incentivised = snapshot.neurons.filter((n) => n.incentive > 0);
    expect(incentivised.map((n) => [n.uid, n.incentive, n.axon])).toEqual([[395, 1, null]]);
  });

  it('agrees on every field of every neuron with a hand walk of the raw SCALE bytes', () => {
    expect(walked).toHaveLength(1024);
    for (const w of walked) {
      const n = byUid(w.uid);
      expect(w.netuid).toBe(1);
      const serving = w.axon.ip !== 0n && w.axon.port !== 0;
      expect({
        hotkey: n.hotkey, coldkey: n.coldkey, active: n.active, validatorPermit: n.validatorPermit,
        stakeRao: n.stakeRao, emissionRao: n.emissionRao, lastUpdate: n.lastUpdate,
        incentive: n.incentive, consensus: n.consensus, trust: n.trust, validatorTrust: n.validatorTrust, dividends: n.dividends,
        axon: n.axon,
      }).toEqual({
        hotkey: w.hotkey, coldkey: w.coldkey, active: w.active, validatorPermit: w.validatorPermit,
        stakeRao: w.stake.reduce((a, b) => a + b, 0n), emissionRao: w.emission, lastUpdate: Number(w.lastUpdate),
        incentive: w.incentive / 65535, consensus: w.consensus / 65535, trust: w.trust / 65535,
        validatorTrust: w.validatorTrust / 65535, dividends: w.dividends / 65535,
        // Every recorded axon is IPv4 (ip_type 4).
        axon: serving
          ? { host: ipv4ByHand(w.axon.ip), port: w.axon.port, ipType: 4, protocol: w.axon.protocol, version: w.axon.version }
          : null,
      });
    }
  });

  it('decodes specific neurons: a serving validator, a serving miner, the non-serving incentive holder', () => {
    // uid 245: a validator with an axon; ip 3231120762 = 0xC096FD7A = 192.150.253.122.
    expect(byUid(245)).toMatchObject({
      hotkey: '5D1saVvssckE1XoPwPzdHrqYZtvBJ3vESsrPNxZ4zAxbKGs1',
      coldkey: '5FuzgvtfbZWdKSRxyYVPAPYNaNnf9cMnpT7phL3s2T3Kkrzo',
      axon: { host: '192.150.253.122', port: 8001, ipType: 4, protocol: 4, version: 9_009_000 },
      validatorPermit: true,
      stakeRao: 4_342_029_898_460n,
      emissionRao: 765_532_164n,
      validatorTrust: 1,
      dividends: 1223 / 65535,
      lastUpdate: 6_852_677,
    });
    // uid 0: a miner, stake in one entry, ip 3235789677 = 0xC0DE3B6D = 192.222.59.109 (hand-computed).
    expect(byUid(0)).toMatchObject({
      hotkey: '5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ',
      coldkey: '5EhQWxcFdYAk7B9tNdQnJQFzww5N3964rbsMk55SujcX3PwM',
      axon: { host: '192.222.59.109', port: 6028, ipType: 4, protocol: 4, version: 9_011_001 },
      active: false,
      validatorPermit: false,
      stakeRao: 2_557_172_316n,
      incentive: 0,
      lastUpdate: 2_543_521,
    });
    // uid 395: a permit holder with all the incentive and no axon.
    expect(byUid(395)).toMatchObject({ axon: null, validatorPermit: true, incentive: 1, consensus: 1, stakeRao: 10_615_937_441_846n });
    // uid 24: a permit holder that serves nothing.
    expect(byUid(24)).toMatchObject({ axon: null, validatorPermit: true, stakeRao: 959_873_144_507n });
  });

  it('reads everything at one block hash and needs no call the recording lacks', () => {
    const stateCalls = replay.calls.filter((c) => c.method === 'state_call' && c.params[0] === 'NeuronInfoRuntimeApi_get_neurons_lite');
    expect(stateCalls.length).toBeGreaterThan(0);
    for (const c of stateCalls) expect(c.params).toEqual(['NeuronInfoRuntimeApi_get_neurons_lite', '0x0100', RECORDED_BLOCK_HASH]);
    expect(replay.unknown).toEqual([]);
  });

  it("reads a validator's weights row at the same block", async () => {
    const validator = byUid(245);
    const { key, value } = weightsStorage(api, 1, 245, [[0, 65535], [7, 32768], [1023, 1]]);
    // Key: twox128("SubtensorModule") ++ twox128("Weights") ++ netuid u16 LE ++ uid u16 LE (identity hashers).
    expect(key).toBe('0x658faa385070e074c85bf6b568cf0555a1e7036061f484bc3048a64b64e35ec40100f500');
    expect(value).toBe('0x0c0000ffff07000080ff030100');
    replay.script({ method: 'state_getStorage', keyPrefix: key }, value);
    try {
      const s = await reader.readNeurons(1, { weightsOf: validator.hotkey });
      expect(s.weights).toEqual({ validatorHotkey: validator.hotkey, validatorUid: 245, row: [[0, 1], [7, 32768 / 65535], [1023, 1 / 65535]] });
      const storageCall = replay.calls.filter((c) => c.method === 'state_getStorage').at(-1);
      expect(storageCall?.params).toEqual([key, RECORDED_BLOCK_HASH]);
    } finally {
      replay.clearRules();
    }
  });

  it('gives an empty row for a validator with no weights and no uid for a hotkey not on the subnet', async () => {
    const s = await reader.readNeurons(1, { weightsOf: byUid(630).hotkey });
    expect(s.weights).toEqual({ validatorHotkey: byUid(630).hotkey, validatorUid: 630, row: [] });
    const stranger = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX';
    const t = await reader.readNeurons(1, { weightsOf: stranger });
    expect(t.weights).toEqual({ validatorHotkey: stranger, validatorUid: null, row: [] });
  });

  it('decodes IPv6 axons, takes the low 32 bits of an IPv4 one, and treats port 0 as not serving', async () => {
    const ipv6 = (0x2a0104f80c170b8fn << 64n) | 2n;
    const mapped = (0xffffn << 32n) | 0x0a000005n;
    replay.setNeuronsLite(reencodeNeurons(api, (n) => {
      const axonInfo = { ...n.axonInfo };
      if (n.uid === 3) Object.assign(axonInfo, { ip: ipv6, ipType: 6, port: 8091 });
      if (n.uid === 4) Object.assign(axonInfo, { ip: mapped, ipType: 6, port: 8091 });
      if (n.uid === 5) Object.assign(axonInfo, { ip: (1n << 100n) | 0x08080808n, ipType: 4, port: 8091 });
      if (n.uid === 6) Object.assign(axonInfo, { ip: 0x08080808n, ipType: 4, port: 0 });
      return { ...n, axonInfo };
    }));
    try {
      const s = await reader.readNeurons(1);
      const host = (uid: number) => s.neurons[uid]?.axon?.host ?? null;
      expect([host(3), host(4), host(5), host(6)]).toEqual(['2a01:4f8:c17:b8f::2', '::ffff:a00:5', '8.8.8.8', null]);
      expect(s.neurons[3]?.axon).toMatchObject({ ipType: 6, port: 8091 });
      // Everything else is unchanged by the round trip through @polkadot's registry.
      expect(s.neurons.filter((n) => n.uid > 6)).toEqual(snapshot.neurons.filter((n) => n.uid > 6));
    } finally {
      replay.clearRules();
    }
  });
});
