import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { ExternalSources } from './external-sources.js';
import { S3Store } from './s3-store.js';

const vault = { name: 'vault', tenant: 'acme', url: 's3://archive-vault?endpoint=http://127.0.0.1:9000&prefix=scans/', credentials: 'VAULT' };

describe('external sources (SOURCES)', () => {
  it("reads each source's keys from the variables it names, and finds a source only for its own tenant", () => {
    const config = loadConfig({ SOURCES: JSON.stringify([vault]), VAULT_ACCESS_KEY_ID: 'id', VAULT_SECRET_ACCESS_KEY: 'secret' });
    expect(config.SOURCES).toEqual([{ ...vault, accessKeyId: 'id', secretAccessKey: 'secret' }]);
    const sources = new ExternalSources(config.SOURCES);
    const store = sources.forTenant('acme', 'vault');
    expect(store).toBeInstanceOf(S3Store);
    expect((store as S3Store).prefix).toBe('scans/');
    expect(() => sources.forTenant('beta', 'vault')).toThrow(/no external source named "vault"/);
    expect(() => sources.forTenant('acme', 'other')).toThrow(/no external source/);
    const own = new S3Store({ bucket: 'reels' });
    expect(sources.storeOf({}, own)).toBe(own);
    expect(sources.storeOf({ external: 'vault' }, own)).toBe(store);
  });

  it('refuses a configuration that would fail later: bad JSON, missing keys, a name used twice, a non-S3 URL', () => {
    expect(() => loadConfig({ SOURCES: '[{name: vault}]' })).toThrow(/SOURCES: is not JSON/);
    expect(() => loadConfig({ SOURCES: JSON.stringify([vault]) })).toThrow(/VAULT_ACCESS_KEY_ID and VAULT_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ SOURCES: JSON.stringify([{ ...vault, credentials: undefined }, { ...vault, credentials: undefined, tenant: 'beta' }]) })).toThrow(/share a name/);
    expect(() => loadConfig({ SOURCES: JSON.stringify([{ ...vault, url: 'file:///tmp/x' }]) })).toThrow(/s3:\/\//);
  });
});
