import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, access } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../errors.js';
import { isStale, WRITER_MARK_PATTERN, writerMark } from '../frames/temp-folders.js';
import { hashingTap, toReadable } from './hashing-tap.js';
import { safeKey } from './keys.js';
import type { ObjectStore, PutResult, StoredObject } from './storage.js';

/** A `.partial` file untouched this long is a dead writer's, wherever it ran: a live write keeps its file's mtime fresh. */
export const STALE_PARTIAL_AGE_MS = 60 * 60 * 1000;

/** This machine's name as a partial file carries it: letters, digits and _ only, so the name parses back. */
const HOST = hostname().replace(/[^A-Za-z0-9]/g, '_') || 'host';
const PARTIAL = new RegExp(`\\.([A-Za-z0-9_]+)-${WRITER_MARK_PATTERN}[0-9a-f]{12}\\.partial$`);

/** Where an object is written before it is renamed into place: beside it, named for this host and process. */
export function partialPath(target: string, pid = process.pid): string {
  return `${target}.${HOST}-${writerMark(pid)}-${randomBytes(6).toString('hex')}.partial`;
}

/**
 * Objects as files under one root folder. Writes go to a temp file and are renamed, so readers never see half an
 * object. The temp file names the host and process writing it, so a crash's leftovers can be told from a live
 * write (cleanStalePartials).
 */
export class LocalStore implements ObjectStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...safeKey(key).split('/').filter(Boolean));
  }

  async put(key: string, body: Readable | Buffer | Uint8Array, _options?: { contentType?: string }): Promise<PutResult> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = partialPath(target);
    const { tap, result } = hashingTap();
    const source = toReadable(body);
    try {
      await pipeline(source, tap, createWriteStream(tmp));
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return result();
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const p = this.path(key);
    await this.mustExist(key, p);
    return createReadStream(p, range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {});
  }

  async getBuffer(key: string): Promise<Buffer> {
    const p = this.path(key);
    try {
      return await readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`object ${key} not found`);
      throw err;
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    const p = this.path(key);
    try {
      const s = await stat(p);
      return s.isFile() ? { key, size: s.size } : null;
    } catch {
      return null;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const base = this.path(prefix.replace(/\/$/, '') || '.');
    const files: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.endsWith('.partial')) {
          files.push({ key: relative(this.root, full).split(sep).join('/'), size: (await stat(full)).size });
        }
      }
    };
    await walk(base);
    files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* files.filter((f) => f.key.startsWith(prefix));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix.replace(/\/$/, '')), { recursive: true, force: true });
  }

  async mediaUrl(key: string): Promise<string> {
    const p = this.path(key);
    await this.mustExist(key, p);
    return p;
  }

  async presignedUrl(): Promise<string | null> {
    return null;
  }

  /**
   * Removes the `.partial` files that writes killed mid-way left behind (a crash skips put's own cleanup): those
   * of a process of this host that is gone, and any untouched for `maxAgeMs` (another host's, or named before
   * names carried a pid). A live writer's file, on this host or another sharing the folder, stays. Run when a
   * pipeline worker starts; returns the files removed, relative to the root.
   */
  async cleanStalePartials(maxAgeMs = STALE_PARTIAL_AGE_MS): Promise<string[]> {
    const removed: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        if (!e.isFile() || !e.name.endsWith('.partial')) continue;
        const m = PARTIAL.exec(e.name);
        // Another host's writer cannot be asked after: only the age tells.
        const here = m?.[1] === HOST;
        if (!(await isStale(full, here ? Number(m[2]) : 0, here ? m[3] : undefined, maxAgeMs))) continue;
        await rm(full, { force: true });
        removed.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(this.root);
    return removed.sort();
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root);
  }

  private async mustExist(key: string, p: string): Promise<void> {
    try {
      await access(p);
    } catch {
      throw new NotFoundError(`object ${key} not found`);
    }
  }
}
