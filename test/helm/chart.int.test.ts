import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const chart = path.join(root, 'helm/course-sink');
const helm = path.join(root, '.stack/helm-tools/bin/helm');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

interface Container {
  name: string;
  args?: string[];
  env?: { name: string }[];
  ports?: { name: string; containerPort: number }[];
  securityContext?: Record<string, unknown>;
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}

let out: string;
const rendered: Record<string, Manifest[]> = {};

function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

async function render(...args: string[]): Promise<Manifest[]> {
  const { stdout } = await run(helm, ['template', 'course-sink', chart, '--namespace', 'course-sink', ...args]);
  return parseManifests(stdout);
}

function podSpec(m: Manifest): PodSpec {
  return (m.spec as { template: { spec: PodSpec } }).template.spec;
}

function workloads(manifests: Manifest[]): Manifest[] {
  return manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job');
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

/** The variable names src/app/config.ts reads, taken from its schema's keys. */
async function configEnvNames(): Promise<string[]> {
  const source = await readFile(path.join(root, 'src/app/config.ts'), 'utf8');
  const schema = source.slice(source.indexOf('const EnvSchema = z.object({'), source.indexOf('});', source.indexOf('const EnvSchema')));
  return [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'helm-check-'));
  // The first run builds helm and kubeconform and installs the schemas; later runs reuse them.
  await run(path.join(root, 'scripts/helm-check'), [], {
    cwd: root,
    env: { ...process.env, HELM_CHECK_OUT: out },
    timeout: 20 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const name of ['default', 'all-features-values', 'hpa-values']) {
    rendered[name] = parseManifests(await readFile(path.join(out, `${name}.yaml`), 'utf8'));
  }
}, 20 * 60_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('helm chart course-sink', () => {
  it('passes helm lint --strict and kubeconform for the default values and every ci values file', () => {
    // beforeAll rejects when scripts/helm-check exits non-zero; here the outputs it validated exist.
    expect(Object.keys(rendered)).toEqual(['default', 'all-features-values', 'hpa-values']);
    for (const manifests of Object.values(rendered)) expect(manifests.length).toBeGreaterThan(5);
  });

  it('renders the optional objects only when enabled', () => {
    const kinds = (set: string) => new Set((rendered[set] ?? []).map((m) => `${m.kind}/${m.metadata.name}`));
    const defaults = kinds('default');
    expect(defaults).toContain('Deployment/course-sink-consume');
    expect(defaults).toContain('Job/course-sink-migrate');
    expect(defaults).toContain('PodDisruptionBudget/course-sink-consume');
    for (const optional of ['ServiceMonitor', 'ScaledObject', 'NetworkPolicy', 'HorizontalPodAutoscaler', 'PrometheusRule']) {
      expect([...defaults].some((k) => k.startsWith(`${optional}/`))).toBe(false);
    }
    expect(defaults).not.toContain('Deployment/course-sink-export-worker');
    expect(defaults).not.toContain('ConfigMap/course-sink-dashboard');

    const all = kinds('all-features-values');
    for (const object of [
      'Deployment/course-sink-export-worker',
      'ServiceMonitor/course-sink',
      'ScaledObject/course-sink-consume',
      'NetworkPolicy/course-sink',
      'PersistentVolumeClaim/course-sink-data',
      'ConfigMap/course-sink-dashboard',
      'PrometheusRule/course-sink',
    ]) {
      expect(all).toContain(object);
    }
    expect(kinds('hpa-values')).toContain('HorizontalPodAutoscaler/course-sink-consume');
  });

  it('ships the dashboard for the Grafana sidecar and the alert rule file unchanged', async () => {
    const all = rendered['all-features-values'] ?? [];
    const dashboard = find(all, 'ConfigMap', 'course-sink-dashboard') as Manifest & {
      metadata: { labels: Record<string, string> };
    };
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    expect(dashboard.metadata.annotations).toEqual({ grafana_folder: 'Open edX' });
    const json = await readFile(path.join(chart, 'files/dashboard.json'), 'utf8');
    expect(JSON.parse(dashboard.data?.['course-sink.json'] ?? '')).toEqual(JSON.parse(json));

    const rule = find(all, 'PrometheusRule', 'course-sink');
    expect(rule.spec).toEqual(parse(await readFile(path.join(chart, 'files/alerts.yaml'), 'utf8')));
  });

  it('hardens every pod and container', () => {
    for (const manifests of Object.values(rendered)) {
      for (const workload of workloads(manifests)) {
        const pod = podSpec(workload);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        for (const container of pod.containers) {
          expect(container.securityContext, `${workload.metadata.name}/${container.name}`).toMatchObject({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          });
          // A read-only root needs writable /data and /tmp.
          expect(container.volumeMounts?.map((v) => v.mountPath).sort()).toEqual(['/data', '/tmp']);
        }
      }
    }
  });

  it('probes /healthz for liveness and /readyz for readiness on the named HTTP port', () => {
    for (const manifests of Object.values(rendered)) {
      for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
        const [container] = podSpec(deployment).containers;
        expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(container?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      }
    }
  });

  it('uses exactly the environment variable names that src/app/config.ts reads', async () => {
    const names = await configEnvNames();
    expect(names).toContain('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS');
    const values = parse(await readFile(path.join(chart, 'values.yaml'), 'utf8')) as {
      config: Record<string, string>;
      secrets: { values: Record<string, string> };
    };
    const documented = [...Object.keys(values.config), ...Object.keys(values.secrets.values), 'DATA_DIR'];
    expect(documented.sort()).toEqual([...names].sort());

    const all = rendered['all-features-values'] ?? [];
    const configMap = find(all, 'ConfigMap', 'course-sink');
    const secret = find(all, 'Secret', 'course-sink');
    for (const key of [...Object.keys(configMap.data ?? {}), ...Object.keys(secret.data ?? {})]) {
      expect(names).toContain(key);
    }
  });

  it('keeps secrets out of the ConfigMaps', () => {
    const all = rendered['all-features-values'] ?? [];
    const secret = find(all, 'Secret', 'course-sink');
    const secretKeys = Object.keys(secret.data ?? {});
    expect(secretKeys).toContain('CLICKHOUSE_PASSWORD');
    const plaintexts = Object.values(secret.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'));
    for (const configMap of all.filter((m) => m.kind === 'ConfigMap')) {
      const data = configMap.data ?? {};
      for (const key of secretKeys) expect(data).not.toHaveProperty(key);
      for (const value of Object.values(data)) for (const plaintext of plaintexts) expect(value).not.toContain(plaintext);
    }
  });

  it('runs migrate as a pre-install/pre-upgrade hook Job that is replaced and cleaned up', () => {
    for (const manifests of Object.values(rendered)) {
      const job = find(manifests, 'Job', 'course-sink-migrate');
      expect(job.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      expect(podSpec(job).containers[0]?.args).toEqual(['migrate']);
      // The release's ConfigMap does not exist yet when pre-install hooks run, so the Job reads a hook copy.
      const configMap = find(manifests, 'ConfigMap', 'course-sink-migrate');
      expect(Number(configMap.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(
        Number(job.metadata.annotations?.['helm.sh/hook-weight']),
      );
    }
  });

  it('gives pods more time to stop than the service needs to drain', () => {
    for (const manifests of Object.values(rendered)) {
      const configMap = find(manifests, 'ConfigMap', 'course-sink');
      const graceMs = Number(configMap.data?.SHUTDOWN_GRACE_MS);
      for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
        expect((podSpec(deployment).terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(graceMs);
      }
    }
  });

  it('tells consumers to leave export builds to the export worker when it is enabled', () => {
    const consume = (set: string) =>
      podSpec(find(rendered[set] ?? [], 'Deployment', 'course-sink-consume')).containers[0]?.args;
    expect(consume('default')).toEqual(['consume']);
    expect(consume('all-features-values')).toEqual(['consume', '--no-export-worker']);
  });

  it('rolls the pods when the configuration changes', async () => {
    const checksum = (manifests: Manifest[]) =>
      (find(manifests, 'Deployment', 'course-sink-consume').spec as {
        template: { metadata: { annotations: Record<string, string> } };
      }).template.metadata.annotations['checksum/config'];
    const before = checksum(rendered.default ?? []);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(await render('--set', 'config.LOG_LEVEL=debug'))).not.toBe(before);
    expect(checksum(await render())).toBe(before);
  });

  it('refuses values that would kill pods before they drain or that name unknown settings', async () => {
    await expect(render('--set', 'terminationGracePeriodSeconds=20')).rejects.toThrow(
      /terminationGracePeriodSeconds \(20 s\) must exceed SHUTDOWN_GRACE_MS \(25000 ms\)/,
    );
    await expect(render('--set', 'config.CLICKHOUSE_PASWORD=x')).rejects.toThrow(/CLICKHOUSE_PASWORD/);
    await expect(render('--set', 'autoscaling.enabled=true', '--set', 'keda.enabled=true')).rejects.toThrow(
      /enable only one/,
    );
  });
});
