/**
 * The Kubernetes manifests as an operator applies them: every overlay rendered by kustomize (kubectl's own),
 * every object validated against the Kubernetes schemas (kubernetes-models, offline) and KEDA's, the
 * properties operations depend on checked, and the Redis lists the ScaledObjects watch checked against
 * what BullMQ really writes in a real redis-server (a wrong list name silently never scales).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { configSchema, loadConfig, type Config } from '../packages/shared/src/config.js';
import { jobIds, type QueueName } from '../packages/shared/src/jobs.js';
import { closeQueues, enqueue, openQueues, type Queues } from '../packages/shared/src/queues.js';
import { longestChunkBudgetMs } from '../packages/shared/src/frames/chunk-size.js';
import { TestRedis } from './support/redis-server.js';

const ROOT = resolve(import.meta.dirname, '..');
const OVERLAYS = ['cpu', 'production'] as const;


type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

function render(overlay: string): Obj[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', resolve(ROOT, 'k8s/overlays', overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`kubectl kustomize failed (is kubectl installed? npm test installs it): ${(err as Error).message}`);
  }
  return parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, render(o)])) as Record<(typeof OVERLAYS)[number], Obj[]>;
const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const byName = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;
const envOf = (c: any, name: string) => (c.env as { name: string; value?: string }[] | undefined)?.find((e) => e.name === name)?.value;
/** What a container's process reads: the ConfigMap (envFrom) under its own env, with `$(SECRET)` references filled in. */
const configOf = (objs: Obj[], c: any): Config =>
  loadConfig({
    ...byName(objs, 'ConfigMap', 'reelrestore').data,
    ...Object.fromEntries((c.env as { name: string; value?: string }[]).map((e) => [e.name, e.value?.replace(/\$\([A-Z_]+\)/g, 'secret')])),
  });

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  const objs = rendered[overlay];
  const workloads = [...ofKind(objs, 'Deployment'), ...ofKind(objs, 'StatefulSet')];

  it('renders objects that all validate against the Kubernetes and KEDA schemas', () => {
    expect(objs.length).toBeGreaterThan(15);
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} has no schema here`).toBeDefined();
      expect(() => new Model!(o).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
  });

  it('gives every container requests and limits, probes, and a locked-down security context, on pinned images', () => {
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of pod.containers) {
        const where = `${w.metadata.name}/${c.name}`;
        for (const r of ['requests', 'limits']) for (const k of ['cpu', 'memory']) expect(c.resources?.[r]?.[k], `${where} ${r}.${k}`).toBeDefined();
        expect(c.livenessProbe, where).toBeDefined();
        expect(c.readinessProbe, where).toBeDefined();
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        expect(c.image, where).toMatch(/:[\w.-]+$/);
        expect(c.image, where).not.toMatch(/:latest$/);
      }
    }
  });

  it('expires finished reels: their data and then their records (retention on as shipped)', () => {
    // The services' defaults keep everything forever (0); what is deployed must not.
    const config = loadConfig(byName(objs, 'ConfigMap', 'reelrestore').data!);
    expect(config.RETENTION_DAYS).toBeGreaterThan(0);
    expect(config.RECORD_RETENTION_DAYS).toBeGreaterThan(0);
  });

  it('covers every Deployment with a PodDisruptionBudget, and drains workers without aborting a chunk', () => {
    for (const d of ofKind(objs, 'Deployment')) {
      const labels = d.spec.template.metadata.labels;
      const pdb = ofKind(objs, 'PodDisruptionBudget').find((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(pdb, `PDB for ${d.metadata.name}`).toBeDefined();
      const grace = d.spec.template.spec.terminationGracePeriodSeconds as number;
      const shutdownMs = Number(envOf(d.spec.template.spec.containers[0], 'SHUTDOWN_TIMEOUT_MS'));
      // The worker must give up waiting before Kubernetes kills it, with time left to close connections.
      expect(shutdownMs, d.metadata.name).toBeGreaterThan(0);
      expect(shutdownMs + 15_000, d.metadata.name).toBeLessThanOrEqual(grace * 1000);
      // A chunk ends within its time budget (finished, or failed past it), so a draining worker whose deadline
      // is past the longest budget never aborts one.
      if (/segment|inpaint/.test(d.metadata.name)) expect(longestChunkBudgetMs(configOf(objs, d.spec.template.spec.containers[0])), d.metadata.name).toBeLessThan(shutdownMs);
    }
  });

  it('runs Redis with a password, AOF and noeviction, reachable only from the service and KEDA', () => {
    const args: string[] = byName(objs, 'StatefulSet', 'reelrestore-redis').spec.template.spec.containers[0].args;
    const arg = (flag: string) => args[args.indexOf(flag) + 1];
    expect(arg('--requirepass')).toBe('$(REDIS_PASSWORD)');
    expect(arg('--appendonly')).toBe('yes');
    expect(arg('--maxmemory-policy')).toBe('noeviction');
    const policy = byName(objs, 'NetworkPolicy', 'reelrestore-redis');
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 6379 }]);
    expect(byName(objs, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    // Every service that talks to Redis gets its password from the Secret into REDIS_URL.
    for (const d of ofKind(objs, 'Deployment')) expect(envOf(d.spec.template.spec.containers[0], 'REDIS_URL'), d.metadata.name).toContain('$(REDIS_PASSWORD)@reelrestore-redis:6379');
  });

  it('scales segment and inpaint workers with KEDA on their queues, with cooldowns longer than a chunk', () => {
    const prefix = byName(objs, 'ConfigMap', 'reelrestore').data!.QUEUE_PREFIX;
    for (const stage of ['segment', 'inpaint']) {
      const so = byName(objs, 'ScaledObject', `reelrestore-${stage}-worker`);
      expect(byName(objs, 'Deployment', so.spec.scaleTargetRef.name)).toBeDefined();
      // The active list's trigger keeps a worker while its chunk runs. The cooldown (after both lists empty)
      // outlasts a default-sized chunk of the largest frames, so the inpaint pool does not go to zero while the
      // segment stage is still working on the reel's next chunk.
      const config = configOf(objs, byName(objs, 'Deployment', so.spec.scaleTargetRef.name).spec.template.spec.containers[0]);
      expect(so.spec.cooldownPeriod * 1000).toBeGreaterThan(longestChunkBudgetMs(config));
      expect(so.spec.triggers.map((t: any) => t.metadata.listName).sort()).toEqual([`${prefix}:${stage}:active`, `${prefix}:${stage}:wait`]);
      for (const t of so.spec.triggers) expect(t.metadata.address).toMatch(/^reelrestore-redis\./);
    }
  });
});

describe("the Secret's keys", () => {
  /** The keys k8s/README.md's table of the Secret documents (the backticked names in its first column). */
  const documented = (() => {
    const readme = readFileSync(resolve(ROOT, 'k8s/README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## The Secret'), readme.indexOf('\n## ', readme.indexOf('## The Secret') + 1));
    return new Set(table.split('\n').flatMap((row) => (row.startsWith('| `') ? [...row.split('|')[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!) : [])));
  })();

  /** Every key of the Secret a manifest names: secretKeyRef, KEDA's secretTargetRef, and `$(VAR)` a container gets only through the Secret's envFrom. */
  function referenced(objs: Obj[]): Set<string> {
    const keys = new Set<string>();
    const configMap = byName(objs, 'ConfigMap', 'reelrestore').data!;
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, any>;
      if (o.secretKeyRef?.name === 'reelrestore') keys.add(o.secretKeyRef.key);
      for (const ref of o.secretTargetRef ?? []) if (ref.name === 'reelrestore') keys.add(ref.key);
      if (Array.isArray(o.containers)) {
        for (const c of o.containers) {
          const own = new Set(((c.env ?? []) as { name: string }[]).map((e) => e.name));
          const fromSecret = ((c.envFrom ?? []) as { secretRef?: { name: string } }[]).some((e) => e.secretRef?.name === 'reelrestore');
          for (const m of JSON.stringify([c.env, c.args, c.command]).matchAll(/\$\(([A-Z0-9_]+)\)/g)) {
            if (own.has(m[1]!) || m[1]! in configMap) continue;
            expect(fromSecret, `${c.name} uses $(${m[1]}) from nowhere`).toBe(true);
            keys.add(m[1]!);
          }
        }
      }
      Object.values(o).forEach(walk);
    };
    walk(objs);
    return keys;
  }

  it.each(OVERLAYS)('that the %s overlay names are in k8s/README.md\'s table', (overlay) => {
    const keys = referenced(rendered[overlay]);
    expect([...keys]).toContain('REDIS_PASSWORD');
    for (const key of keys) expect(documented, `${key} is not in k8s/README.md's Secret table`).toContain(key);
  });

  it("are settings the services read, or the store's and Redis's credentials", () => {
    const settings = new Set(Object.keys(configSchema.shape));
    for (const key of documented) expect(settings.has(key) || ['REDIS_PASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].includes(key), key).toBe(true);
  });
});

describe('the production overlay', () => {
  const objs = rendered.production;
  it('puts inpaint workers on the tainted GPU pool, one GPU each, able to scale to zero', () => {
    const pod = byName(objs, 'Deployment', 'reelrestore-inpaint-worker').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pod.containers[0].image).toMatch(/inpaint-worker-gpu:/);
    expect(envOf(pod.containers[0], 'INPAINT_DEVICE')).toBe('cuda');
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(Object.keys(pod.nodeSelector ?? {})).not.toHaveLength(0);
    expect(byName(objs, 'ScaledObject', 'reelrestore-inpaint-worker').spec.minReplicaCount).toBe(0);
  });

  it('asks for GPUs nowhere in the CPU overlay', () => {
    expect(JSON.stringify(rendered.cpu)).not.toContain('nvidia.com/gpu');
  });
});

describe('the lists the ScaledObjects watch', () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  const prefix = byName(rendered.production, 'ConfigMap', 'reelrestore').data!.QUEUE_PREFIX!;
  const triggers = ofKind(rendered.production, 'ScaledObject').flatMap((so) => so.spec.triggers.map((t: any) => t.metadata.listName as string));

  beforeAll(async () => {
    server = await new TestRedis().start();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queues = openQueues(redis, prefix);
  });
  afterAll(async () => {
    await closeQueues(queues);
    await redis.quit();
    await server.destroy();
  });

  it('are the ones BullMQ fills with waiting jobs, and with the job a worker is running', async () => {
    const chunk = (n: number) => ({ reelId: '0mbgaxsm08f3c9d2e4b5a6f71', shot: 0, chunk: n, start: n * 8, end: n * 8 + 8, contextStart: 0, contextEnd: 64 });
    for (let n = 0; n < 3; n++) await enqueue(queues, 'segment', jobIds.segment(chunk(n).reelId, 0, n), chunk(n));
    for (let n = 0; n < 2; n++) await enqueue(queues, 'inpaint', jobIds.inpaint(chunk(n).reelId, 0, n), chunk(n));
    const length = (queue: QueueName, list: 'wait' | 'active') => {
      const name = triggers.find((t) => t === `${prefix}:${queue}:${list}`);
      expect(name, `a trigger on ${queue} ${list}`).toBeDefined();
      return redis.llen(name!);
    };
    expect(await length('segment', 'wait')).toBe(3);
    expect(await length('inpaint', 'wait')).toBe(2);
    expect(await length('segment', 'active')).toBe(0);

    // A worker takes one job: it moves from the waiting list to the active one.
    // Its own connection, closed with it: one left open would reconnect, and log it, once redis-server has gone.
    const connection = redis.duplicate();
    const worker = new Worker('segment', null, { connection, prefix, autorun: false });
    const job = await worker.getNextJob('test-token');
    expect(job).toBeDefined();
    expect(await length('segment', 'wait')).toBe(2);
    expect(await length('segment', 'active')).toBe(1);
    await worker.close();
    await connection.quit();
  });
});
