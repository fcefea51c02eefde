import type { AddressInfo } from 'node:net';
import { redactConfig } from '../config/redact.js';
import { startHttpServer, type HttpServerHandle } from '../lifecycle/httpServer.js';
import type { GatewayParts } from './build.js';

export interface RunningGateway {
  parts: GatewayParts;
  address: AddressInfo;
  url: string;
  http: HttpServerHandle;
  /** Graceful stop: readiness off, drain in-flight requests up to the grace period, stop services. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts the services, then the HTTP server. */
export async function runGateway(parts: GatewayParts): Promise<RunningGateway> {
  const { config, logger } = parts;
  logger.info({ config: redactConfig(config) }, 'configuration loaded');
  const started: GatewayParts['services'] = [];
  try {
    for (const service of parts.services) {
      await service.start();
      started.push(service);
    }
  } catch (error) {
    for (const service of started.reverse()) await service.stop().catch(() => {});
    throw error;
  }
  const http = await startHttpServer(parts.app.fetch, config.server.host, config.server.port);
  const address = http.address();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url }, 'taogate listening');
  logger.flush();

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 30_000): Promise<void> => {
    stopping ??= (async () => {
      // Readiness first (synchronously, so the very next /readyz says 503), then the socket.
      parts.draining.value = true;
      const startedAt = performance.now();
      logger.info({ inFlight: http.inFlight(), graceMs }, 'draining');
      const { drained, leftOver } = await http.drain({ deadlineMs: graceMs, idleMs: config.server.shutdownIdleMs });
      if (!drained) logger.warn({ leftOver }, 'grace period over; closing remaining connections');
      else logger.info({ ms: Math.round(performance.now() - startedAt) }, 'drained');
      // Services only once no request can use them any more: Redis and the chain close last.
      for (const service of [...parts.services].reverse()) {
        await service.stop().catch((err: unknown) => logger.error({ err, service: service.name }, 'service failed to stop'));
      }
      logger.info('stopped');
      logger.flush();
    })();
    return stopping;
  };
  return { parts, address, url, http, stop };
}
