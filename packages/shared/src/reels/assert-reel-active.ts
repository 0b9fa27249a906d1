import { ReelStoppedError } from '../errors.js';
import { isTerminal } from './reel-record.js';
import type { ReelStore } from './reel-store.js';

/** Stage jobs call this before work and between frames: a cancelled or failed reel stops its jobs. */
export async function assertReelActive(reels: ReelStore, reelId: string): Promise<void> {
  const state = await reels.getState(reelId);
  if (!state || isTerminal(state)) throw new ReelStoppedError(`reel is ${state ?? 'gone'}`);
}
