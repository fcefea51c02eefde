import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { buildGateway } from '../src/gateway/build.js';
import { createLogger } from '../src/logging/logger.js';
import { checkK8sObject } from './support/k8sSchema.js';

/**
 * deploy/k8s without a cluster: every object against the Kubernetes API schemas (unknown
 * fields included), then the ties between objects that a schema cannot see: selectors,
 * ports, probes, mounted Secrets and ConfigMaps, the grace period against the drain, and the
 * config file itself through the gateway's own loader. Also the Grafana dashboard: every
 * metric it charts must be one the gateway exports.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIR = join(ROOT, 'deploy/k8s');

interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any }

// Kubernetes reads YAML 1.1 (`defaultMode: 0440` is octal there): so does this test.
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const byFile = new Map(files.map((f) => [f, parseAllDocuments(readFileSync(join(DIR, f), 'utf8'), { version: '1.1' }).map((d) => {
  if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`);
  return d.toJS() as K8sObject;
})]));
const objects = [...byFile.entries()].filter(([f]) => f !== 'kustomization.yaml').flatMap(([, docs]) => docs);
const find = (kind: string, name?: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
};
const deployment = find('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c: { name: string }) => c.name === 'taogate');

/** The container's environment, with Secret references resolved from the Secret templates. */
function containerEnv(): Record<string, string> {
  return Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }) => {
    if (e.value !== undefined) return [e.name, e.value];
    const ref = e.valueFrom!.secretKeyRef;
    return [e.name, find('Secret', ref.name).stringData[ref.key]];
  }));
}

function loadConfigMapConfig() {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-k8s-'));
  try {
    const path = join(dir, 'config.yaml');
    writeFileSync(path, find('ConfigMap', 'taogate-config').data['config.yaml']);
    return loadConfig({ path, env: containerEnv() });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/k8s', () => {
  it('holds a Deployment, Service, ConfigMap, Secrets, HorizontalPodAutoscaler and PodDisruptionBudget, each valid against the Kubernetes API schema', async () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Secret', 'Service']);
    for (const object of objects) {
      const check = await checkK8sObject(object);
      expect(check, `${object.kind} ${object.metadata.name}`).toEqual({ errors: [], unknownFields: [] });
    }
  });

  it('catches what the schema is for: wrong types, bad quantities, and misspelt fields', async () => {
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    broken.spec.template.spec.containers[0].resources.requests.cpu = 'lots';
    broken.spec.template.spec.containers[0].readinesProbe = broken.spec.template.spec.containers[0].readinessProbe;
    const check = await checkK8sObject(broken);
    expect(check.errors.join('\n')).toMatch(/replicas must be integer/);
    expect(check.errors.join('\n')).toMatch(/cpu must match format "quantity"/);
    expect(check.unknownFields).toEqual(['.spec.template.spec.containers[0].readinesProbe']);
  });

  it('applies with kustomize: every manifest but the Secret templates', () => {
    const kustomization = byFile.get('kustomization.yaml')![0] as unknown as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.yaml').sort());
  });

  it('ties Service, PodDisruptionBudget and autoscaler to the Deployment', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(labels).toMatchObject(find('Service').spec.selector);
    expect(labels).toMatchObject(find('PodDisruptionBudget').spec.selector.matchLabels);
    expect(find('Service').spec.ports[0].targetPort).toBe(container.ports[0].name);
    const hpa = find('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name });
    // With one replica left, a voluntary disruption would be an outage.
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('probes liveness on /healthz and readiness on /readyz, and gives the drain time to finish before SIGKILL', () => {
    const port = container.ports[0];
    expect(port.containerPort).toBe(Number(containerEnv().PORT));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    const preStop = container.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const config = loadConfigMapConfig();
    const needed = Number(preStop[1]) + config.server.shutdownGraceMs / 1000 + 5;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(needed);
  });

  it('runs unprivileged with a read-only root, within set resources, writing only to its own volumes', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(container.resources.limits.memory).toMatch(/^\d+Mi$/);
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(containerEnv().NODE_OPTIONS!)![1]);
    expect(heapMb).toBeLessThan(Number.parseInt(container.resources.limits.memory, 10));
    // chain.snapshotDir is relative to the working directory (/app): it must be a writable mount.
    const config = loadConfigMapConfig();
    const snapshotDir = posix.resolve('/app', config.chain.snapshotDir);
    const writable = container.volumeMounts.filter((m: { readOnly?: boolean }) => m.readOnly !== true).map((m: { mountPath: string }) => m.mountPath);
    expect(writable.some((path: string) => snapshotDir.startsWith(`${path}/`)), snapshotDir).toBe(true);
  });

  it('mounts the config from the ConfigMap and the hotkey from the Secret, where the config says', () => {
    const env = containerEnv();
    const volumes = new Map<string, any>(pod.volumes.map((v: { name: string }) => [v.name, v]));
    const mountOf = (volume: string): string => container.volumeMounts.find((m: { name: string }) => m.name === volume).mountPath;
    const configVolume = [...volumes.values()].find((v) => v.configMap !== undefined);
    expect(find('ConfigMap', configVolume.configMap.name).data['config.yaml']).toBeDefined();
    expect(env.TAOGATE_CONFIG).toBe(`${mountOf(configVolume.name)}/config.yaml`);
    const hotkeyVolume = [...volumes.values()].find((v) => v.secret?.secretName === 'taogate-hotkey');
    expect(find('Secret', 'taogate-hotkey').stringData.hotkey).toBeDefined();
    const config = loadConfigMapConfig();
    expect(config.identity?.secretFile).toBe(`${mountOf(hotkeyVolume.name)}/hotkey`);
    // Readable by the pod's group only: 0440 with fsGroup.
    expect(hotkeyVolume.secret.defaultMode).toBe(0o440);
    expect(pod.securityContext.fsGroup).toBe(pod.securityContext.runAsGroup);
  });

  it('is scraped by Prometheus on the container port at /metrics', () => {
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(container.ports[0].containerPort), 'prometheus.io/path': '/metrics' });
  });
});

describe('deploy/grafana/taogate-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/taogate-dashboard.json'), 'utf8')) as { uid: string; panels: Array<{ id: number; type: string; targets?: Array<{ expr: string }> }> };

  it('charts only metrics the gateway exports', async () => {
    const parts = buildGateway(parseConfig({
      models: { m: { netuid: 1, protocol: 'openai', source: { type: 'static', miners: [{ uid: 1, hotkey: 'h', host: '127.0.0.1', port: 1 }] } } },
      redis: { url: 'redis://127.0.0.1:1' },
    }), { logger: createLogger('silent') });
    const exported = new Set((await parts.metrics.registry.getMetricsAsJSON()).flatMap((m) => (String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])));
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(15);
    const used = new Set(exprs.flatMap((e) => e.match(/\btaogate_\w+/g) ?? []));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });
});
