import { NotFoundError } from '@reelrestore/shared/errors';
import { isReelId } from '@reelrestore/shared/ids';
import type { ReelRecord } from '@reelrestore/shared/reels/reel-record';
import type { ReelStore } from '@reelrestore/shared/reels/reel-store';

/** Another tenant's reel answers exactly like a missing one (404, never 403), so ids cannot be probed. */
export async function findOwnReel(reels: ReelStore, id: string, tenantId: string): Promise<ReelRecord> {
  const rec = isReelId(id) ? await reels.get(id) : null;
  if (!rec || rec.tenantId !== tenantId) throw new NotFoundError(`reel ${id.slice(0, 40)} not found`);
  return rec;
}
