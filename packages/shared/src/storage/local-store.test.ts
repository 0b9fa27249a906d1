import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore, partialPath } from './local-store.js';
import { PROCESS_TOKEN } from '../frames/temp-folders.js';

const work = mkdtempSync(join(tmpdir(), 'rr-local-store-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  return new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
}

const twoHoursAgo = () => new Date(Date.now() - 2 * 60 * 60 * 1000);

describe('LocalStore.cleanStalePartials', () => {
  it("removes what a crashed writer of this host left, and anything untouched for an hour, but not a live write's file", async () => {
    const root = join(work, 'store');
    const dir = join(root, 'reels', 'r1', 'source');
    mkdirSync(dir, { recursive: true });
    const store = new LocalStore(root);
    await store.put('reels/r1/source/source.mkv', Buffer.from('whole'));
    const target = join(dir, 'other.mkv');
    const dead = partialPath(target, await deadPid());
    const live = partialPath(target);
    const otherHost = `${target}.elsewhere-1-0123456789ab.partial`;
    const oldOtherHost = `${target}.elsewhere-2-0123456789ab.partial`;
    const unnamed = `${target}.0123456789ab.partial`;
    const oldUnnamed = `${target}.ba9876543210.partial`;
    for (const f of [dead, live, otherHost, oldOtherHost, unnamed, oldUnnamed]) writeFileSync(f, 'half');
    utimesSync(oldOtherHost, twoHoursAgo(), twoHoursAgo());
    utimesSync(oldUnnamed, twoHoursAgo(), twoHoursAgo());

    const rel = (f: string) => f.slice(root.length + 1);
    expect(await store.cleanStalePartials()).toEqual([dead, oldOtherHost, oldUnnamed].map(rel).sort());
    expect(readdirSync(dir).sort()).toEqual(['source.mkv', ...[live, otherHost, unnamed].map((f) => f.slice(dir.length + 1))].sort());
    // The object stays readable, and no partial file was ever listed as one.
    expect((await store.getBuffer('reels/r1/source/source.mkv')).toString()).toBe('whole');
    const keys: string[] = [];
    for await (const o of store.list('reels/')) keys.push(o.key);
    expect(keys).toEqual(['reels/r1/source/source.mkv']);
  });

  it('writes its temp files under names the cleanup can read back', async () => {
    const root = join(work, 'named');
    const store = new LocalStore(root);
    const name = partialPath(join(root, 'a.bin'), 4242);
    expect(name).toMatch(new RegExp(`/a\\.bin\\.[A-Za-z0-9_]+-4242-${PROCESS_TOKEN}-[0-9a-f]{12}\\.partial$`));
    await store.put('a.bin', Buffer.from('x'));
    expect(readdirSync(root)).toEqual(['a.bin']);
  });
});
