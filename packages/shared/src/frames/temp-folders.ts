import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * This process's token in the names of what it writes, beside its pid. In a container every worker runs as pid
 * 1, so after a restart the pid alone would call the dead predecessor's leftovers a live process's.
 */
export const PROCESS_TOKEN = randomBytes(4).toString('hex');

/** The writer's mark in a scratch name: `<pid>-<token>`. */
export function writerMark(pid = process.pid, token = PROCESS_TOKEN): string {
  return `${pid}-${token}`;
}

/** A writer mark read back from a name: the pid, and the token (names written before tokens carry none). */
export const WRITER_MARK_PATTERN = '(\\d+)-(?:([0-9a-f]{8})-)?';

/**
 * Scratch folders that name the process writing them, so a worker starting after a crash can tell what its
 * dead predecessors left from what a live worker sharing the folder is using.
 */
export function pidTempPrefix(prefix: string, pid = process.pid): string {
  return `${prefix}${writerMark(pid)}-`;
}

/** Folders named without a pid (written before names carried one) go once nobody has touched them for this long. */
export const STALE_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a leftover at `path` should go: the process that wrote it is gone (its pid runs nothing here, or the pid
 * is this process's own and the token another's), or nobody has touched it for `maxAgeMs`: no scratch work runs
 * that long without writing. `pid` 0: the writer is not known (another host's, or an older name).
 */
export async function isStale(path: string, pid: number, token: string | undefined, maxAgeMs: number): Promise<boolean> {
  if (pid > 0 && (pid === process.pid ? token !== undefined && token !== PROCESS_TOKEN : !isAlive(pid))) return true;
  const modified = await stat(path).then((s) => s.mtimeMs, () => null);
  return modified !== null && Date.now() - modified >= maxAgeMs;
}

/**
 * Removes the folders in `dir` named `<prefix><pid>-<token>-…` whose process is gone, and those (named so or not)
 * untouched for `maxAgeMs`. Returns the names removed.
 */
export async function cleanStaleTempFolders(dir: string, prefix: string, maxAgeMs = STALE_TEMP_AGE_MS): Promise<string[]> {
  const removed: string[] = [];
  const named = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${WRITER_MARK_PATTERN}`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const m = named.exec(name);
    if (!(await isStale(join(dir, name), Number(m?.[1] ?? 0), m?.[2], maxAgeMs))) continue;
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
