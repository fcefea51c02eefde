import { hostPort } from '../../net/ip.js';
import type { Hono } from 'hono';
import { GatewayError, modelNotFound } from '../../errors/gatewayError.js';
import { countMinerStates } from '../../metagraph/eligibility.js';
import type { MinerEntry } from '../../metagraph/types.js';
import type { ModelEntry } from '../../pipeline/modelCatalog.js';
import { jsonResponse } from '../respond.js';
import type { AppDeps, GatewayEnv, MinerTelemetryLookup } from '../types.js';

function endpointOf(m: MinerEntry): string | null {
  return m.host ? hostPort(m.host, m.port) : null;
}

function renderMiner(model: ModelEntry, m: MinerEntry, telemetry: MinerTelemetryLookup | undefined): Record<string, unknown> {
  const extra = telemetry?.(model.name, m);
  return {
    uid: m.uid,
    hotkey: m.hotkey,
    coldkey: m.coldkey,
    endpoint: endpointOf(m),
    protocol: m.protocol ?? model.config.protocol,
    eligible: m.eligible,
    excluded_reason: m.excludedReason ?? null,
    excluded_kind: m.excludedKind ?? null,
    validator_score: m.validatorScore,
    ...(extra === undefined ? {} : { telemetry: extra }),
  };
}

/** The miners of one model, as `/v1/miners?model=` shows them. */
export function renderMinerList(model: ModelEntry, telemetry?: MinerTelemetryLookup): Record<string, unknown> {
  const snapshot = model.pool.snapshot();
  const status = model.pool.status();
  const described = model.pool.describe?.();
  return {
    object: 'list',
    model: model.name,
    netuid: model.config.netuid,
    source: described === undefined
      ? { kind: model.config.source.type, network: null, origin: null }
      : { kind: described.kind, network: described.network ?? null, origin: described.origin },
    block: snapshot?.block ?? null,
    fetched_at: snapshot === undefined ? null : Math.floor(snapshot.fetchedAt / 1000),
    age_seconds: described?.ageSeconds ?? null,
    stale: described?.stale ?? snapshot === undefined,
    score_source: snapshot?.scoreSource ?? null,
    ready: status.ready,
    reason: status.reason ?? null,
    counts: snapshot === undefined ? {} : countMinerStates(snapshot),
    data: (snapshot?.miners ?? []).map((m) => renderMiner(model, m, telemetry)),
  };
}

/**
 * `GET /v1/miners?model=NAME`: every miner of the model's pool, eligible or not (with the
 * reason), its validator score, and the snapshot's block, age and score source. Per-miner
 * routing telemetry appears under `telemetry` once `deps.minerTelemetry` provides it.
 */
export function registerMinerRoutes(app: Hono<GatewayEnv>, deps: AppDeps): void {
  app.get('/v1/miners', async (c) => {
    // Miner addresses and telemetry are for the gateway's users, not for anyone who can reach it.
    await deps.access.authenticate(c.req.header('authorization'));
    const name = c.req.query('model');
    if (name === undefined || name === '') {
      throw new GatewayError('invalid_request', "Give the model whose miners to list: /v1/miners?model=NAME.", { param: 'model' });
    }
    const model = deps.catalog.get(name);
    if (model === undefined) {
      throw modelNotFound(name);
    }
    return jsonResponse(c, renderMinerList(model, deps.minerTelemetry));
  });
}
