import type { ExternalSourceConfig } from '../config.js';
import { NotFoundError } from '../errors.js';
import { createObjectStore } from './create-store.js';
import type { ObjectStore } from './storage.js';

/**
 * The archives' own buckets an operator registered (SOURCES), each for one tenant: reels read their
 * source from there in place, and nothing is ever written to or deleted from them. Stores are made
 * once, on first use.
 */
export class ExternalSources {
  private readonly byName: Map<string, ExternalSourceConfig>;
  private readonly stores = new Map<string, ObjectStore>();

  constructor(sources: readonly ExternalSourceConfig[]) {
    this.byName = new Map(sources.map((s) => [s.name, s]));
  }

  /** The tenant's source of this name; another tenant's is not found, exactly like one that does not exist. */
  forTenant(tenantId: string, name: string): ObjectStore {
    const source = this.byName.get(name);
    if (!source || source.tenant !== tenantId) throw new NotFoundError(`no external source named "${name.slice(0, 64)}"`);
    return this.store(source);
  }

  /** Where a reel's source lives: the external source it names, or the service's own store. */
  storeOf(source: { external?: string | undefined }, own: ObjectStore): ObjectStore {
    if (!source.external) return own;
    const config = this.byName.get(source.external);
    if (!config) throw new NotFoundError(`the reel's source "${source.external}" is no longer among SOURCES`);
    return this.store(config);
  }

  private store(source: ExternalSourceConfig): ObjectStore {
    let store = this.stores.get(source.name);
    if (!store) {
      const keys = source.accessKeyId && source.secretAccessKey ? { accessKeyId: source.accessKeyId, secretAccessKey: source.secretAccessKey } : undefined;
      store = createObjectStore(source.url, keys);
      this.stores.set(source.name, store);
    }
    return store;
  }
}
