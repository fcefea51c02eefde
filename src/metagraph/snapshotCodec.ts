import type { Axon, Neuron, NeuronSnapshot, ValidatorWeights } from './types.js';

/**
 * The stored form of a `NeuronSnapshot`: JSON with a format tag and version, balances as
 * decimal strings (JSON has no bigint). Parsing checks every field, because a stored snapshot
 * is served as truth at start-up: a truncated or hand-edited one must be refused, not half-read.
 */

export const SNAPSHOT_FORMAT = 'taogate.metagraph';
export const SNAPSHOT_VERSION = 1;

/** A stored snapshot that cannot be used: corrupt, of another version, or of another subnet. */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/** Serialises a snapshot of `network` (bigint-safe, versioned). */
export function serializeSnapshot(network: string, snapshot: NeuronSnapshot): string {
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    network,
    netuid: snapshot.netuid,
    block: snapshot.block,
    fetchedAt: snapshot.fetchedAt,
    neurons: snapshot.neurons.map((n) => ({ ...n, stakeRao: n.stakeRao.toString(), emissionRao: n.emissionRao.toString() })),
    ...(snapshot.weights ? { weights: snapshot.weights } : {}),
  });
}

type Json = Record<string, unknown>;

function fail(path: string, expected: string): never {
  throw new SnapshotFormatError(`${path}: expected ${expected}`);
}
function obj(v: unknown, path: string): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : fail(path, 'an object');
}
function int(v: unknown, path: string): number {
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(path, 'a non-negative integer');
}
function unit(v: unknown, path: string): number {
  return typeof v === 'number' && v >= 0 && v <= 1 ? v : fail(path, 'a number in [0, 1]');
}
function str(v: unknown, path: string): string {
  return typeof v === 'string' && v.length > 0 ? v : fail(path, 'a string');
}
function bool(v: unknown, path: string): boolean {
  return typeof v === 'boolean' ? v : fail(path, 'a boolean');
}
function rao(v: unknown, path: string): bigint {
  return typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : fail(path, 'a decimal string');
}

function parseAxon(v: unknown, path: string): Axon | null {
  if (v === null) return null;
  const a = obj(v, path);
  return {
    host: str(a['host'], `${path}.host`),
    port: int(a['port'], `${path}.port`),
    ipType: int(a['ipType'], `${path}.ipType`),
    protocol: int(a['protocol'], `${path}.protocol`),
    version: int(a['version'], `${path}.version`),
  };
}

function parseNeuron(v: unknown, path: string): Neuron {
  const n = obj(v, path);
  return {
    uid: int(n['uid'], `${path}.uid`),
    hotkey: str(n['hotkey'], `${path}.hotkey`),
    coldkey: n['coldkey'] === null ? null : str(n['coldkey'], `${path}.coldkey`),
    axon: parseAxon(n['axon'], `${path}.axon`),
    active: bool(n['active'], `${path}.active`),
    validatorPermit: bool(n['validatorPermit'], `${path}.validatorPermit`),
    stakeRao: rao(n['stakeRao'], `${path}.stakeRao`),
    emissionRao: rao(n['emissionRao'], `${path}.emissionRao`),
    incentive: unit(n['incentive'], `${path}.incentive`),
    consensus: unit(n['consensus'], `${path}.consensus`),
    dividends: unit(n['dividends'], `${path}.dividends`),
    trust: unit(n['trust'], `${path}.trust`),
    validatorTrust: unit(n['validatorTrust'], `${path}.validatorTrust`),
    lastUpdate: int(n['lastUpdate'], `${path}.lastUpdate`),
  };
}

function parseWeights(v: unknown): ValidatorWeights {
  const w = obj(v, 'weights');
  const row = Array.isArray(w['row']) ? w['row'] : fail('weights.row', 'an array');
  return {
    validatorHotkey: str(w['validatorHotkey'], 'weights.validatorHotkey'),
    validatorUid: w['validatorUid'] === null ? null : int(w['validatorUid'], 'weights.validatorUid'),
    row: row.map((pair: unknown, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(`weights.row[${i}]`, 'a [uid, weight] pair');
      return [int(pair[0], `weights.row[${i}][0]`), unit(pair[1], `weights.row[${i}][1]`)] as const;
    }),
  };
}

/** Parses a stored snapshot; throws `SnapshotFormatError` unless it is a valid v1 snapshot of `network`/`netuid`. */
export function parseSnapshot(text: string, expected: { network: string; netuid: number }): NeuronSnapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SnapshotFormatError(`not JSON: ${(error as Error).message}`);
  }
  const d = obj(data, 'snapshot');
  if (d['format'] !== SNAPSHOT_FORMAT) fail('format', JSON.stringify(SNAPSHOT_FORMAT));
  if (d['version'] !== SNAPSHOT_VERSION) throw new SnapshotFormatError(`version ${JSON.stringify(d['version'])} is not ${SNAPSHOT_VERSION}`);
  if (d['network'] !== expected.network || d['netuid'] !== expected.netuid) {
    throw new SnapshotFormatError(`holds ${String(d['network'])}/${String(d['netuid'])}, not ${expected.network}/${expected.netuid}`);
  }
  const neurons = Array.isArray(d['neurons']) ? d['neurons'] : fail('neurons', 'an array');
  const snapshot: NeuronSnapshot = {
    netuid: expected.netuid,
    block: d['block'] === null ? null : int(d['block'], 'block'),
    fetchedAt: int(d['fetchedAt'], 'fetchedAt'),
    neurons: neurons.map((n: unknown, i) => parseNeuron(n, `neurons[${i}]`)),
  };
  if (d['weights'] !== undefined) snapshot.weights = parseWeights(d['weights']);
  return snapshot;
}
