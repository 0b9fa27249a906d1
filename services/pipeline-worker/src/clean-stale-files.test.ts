import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHOTS_TMP_PREFIX } from '@reelrestore/shared/frames/detect-shots';
import { PROCESS_TOKEN, pidTempPrefix, writerMark } from '@reelrestore/shared/frames/temp-folders';
import type { Logger } from '@reelrestore/shared/logger';
import { LocalStore, partialPath } from '@reelrestore/shared/storage/local-store';
import type { WorkerDeps } from '@reelrestore/shared/workers/start-workers';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanStaleFiles } from './index.js';

const work = mkdtempSync(join(tmpdir(), 'rr-clean-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Another process's token: one that ran as this process's pid before it (a container restarted). */
const OTHER_TOKEN = PROCESS_TOKEN === '00000000' ? '11111111' : '00000000';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  return new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
}

describe('a pipeline worker starting', () => {
  it("removes the stitch and shot-pass folders and the store's partial files of dead processes, not a live worker's", async () => {
    const tmp = join(work, 'tmp');
    const root = join(work, 'store');
    mkdirSync(tmp, { recursive: true });
    mkdirSync(join(root, 'reels', 'r1'), { recursive: true });
    const dead = await deadPid();
    const names = {
      deadStitch: `rr-stitch-${dead}-0mx5aaaaa0000000000000000-AbC123`,
      liveStitch: `rr-stitch-${process.pid}-0mx5bbbbb0000000000000000-XyZ789`,
      deadShots: `${SHOTS_TMP_PREFIX}${dead}-AbC123`,
      liveShots: `${pidTempPrefix(SHOTS_TMP_PREFIX)}XyZ789`,
      // A container's restarted worker runs as the same pid (1) as the one that died: the token tells them apart.
      restartedStitch: `rr-stitch-${writerMark(process.pid, OTHER_TOKEN)}-0mx5ccccc0000000000000000-Q1w2e3`,
      restartedShots: `${SHOTS_TMP_PREFIX}${writerMark(process.pid, OTHER_TOKEN)}-Q1w2e3`,
      // Named before the pid was: kept while fresh (a running worker's), removed once a day old.
      unnamedShots: `${SHOTS_TMP_PREFIX}Qw3rty`,
      oldUnnamedShots: `${SHOTS_TMP_PREFIX}Old123`,
      other: 'something-else',
    };
    for (const n of Object.values(names)) mkdirSync(join(tmp, n));
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    utimesSync(join(tmp, names.oldUnnamedShots), dayAgo, dayAgo);
    const deadPartial = partialPath(join(root, 'reels', 'r1', 'source.mkv'), dead);
    const livePartial = partialPath(join(root, 'reels', 'r1', 'mask.png'));
    const restartedPartial = partialPath(join(root, 'reels', 'r1', 'plan.json')).replace(`-${PROCESS_TOKEN}-`, `-${OTHER_TOKEN}-`);
    writeFileSync(restartedPartial, 'half');
    writeFileSync(deadPartial, 'half');
    writeFileSync(livePartial, 'half');

    const logged: string[] = [];
    const logger = { info: (_o: unknown, msg: string) => logged.push(msg), warn: (_o: unknown, msg: string) => logged.push(`warn: ${msg}`) } as unknown as Logger;
    const deps = { config: { TMP_DIR: tmp }, store: new LocalStore(root), logger } as unknown as Pick<WorkerDeps, 'config' | 'store' | 'logger'>;
    await cleanStaleFiles(deps);

    expect(readdirSync(tmp).sort()).toEqual([names.liveShots, names.liveStitch, names.other, names.unnamedShots].sort());
    expect(readdirSync(join(root, 'reels', 'r1'))).toEqual([livePartial.slice(livePartial.lastIndexOf('/') + 1)]);
    expect(logged).toEqual([
      'removed stitch scratch folders left by processes that died',
      'removed shot-detection scratch folders left by processes that died',
      'removed partly written store files left by processes that died',
    ]);
  });
});
