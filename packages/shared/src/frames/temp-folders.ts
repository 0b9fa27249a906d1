import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Scratch folders that name the process writing them, so a worker starting after a crash can tell what its
 * dead predecessors left from what a live worker sharing the folder is using.
 */
export function pidTempPrefix(prefix: string, pid = process.pid): string {
  return `${prefix}${pid}-`;
}

/** Folders named without a pid (written before names carried one) go once nobody has touched them for this long. */
export const STALE_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the folders in `dir` named `<prefix><pid>-…` whose process is gone, and those (named so or not) untouched
 * for `maxAgeMs`: no scratch work runs a day without writing. A live process's folder is left alone.
 * Returns the names removed.
 */
export async function cleanStaleTempFolders(dir: string, prefix: string, maxAgeMs = STALE_TEMP_AGE_MS): Promise<string[]> {
  const removed: string[] = [];
  const named = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(named.exec(name)?.[1]);
    const owned = pid > 0 && isAlive(pid);
    if (owned || !pid) {
      const modified = await stat(join(dir, name)).then((s) => s.mtimeMs, () => null);
      if (modified === null || Date.now() - modified < maxAgeMs) continue;
    }
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Whether a process of that id runs on this machine (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
