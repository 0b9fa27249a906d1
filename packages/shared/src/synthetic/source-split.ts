/**
 * Which picture sources and damage scans training may use, and which only the benchmark sees. A
 * detector's figures on the pictures and overlays it was trained with say little about footage it has
 * never seen, so the benchmark reports the unseen part first. The split is by file (a committed list,
 * unseen-sources.json), never by frame of one picture: a frame of a seen photograph is not unseen.
 */
import { basename } from 'node:path';
import unseen from './unseen-sources.json' with { type: 'json' };

/** 'train': only what training may see; 'unseen': only what it never sees; 'all': no filter. */
export type SourceSplit = 'train' | 'unseen' | 'all';
export const SOURCE_SPLITS: readonly SourceSplit[] = ['train', 'unseen', 'all'];

const unseenImages = new Set<string>(unseen.images);
const unseenPackages: readonly string[] = unseen.imagePackages;
const unseenOverlays: Readonly<Record<string, readonly string[]>> = unseen.overlays;

/** A photograph is unseen when the list names it or it comes from an unseen package (cache names start with the package). */
export function isUnseenImage(path: string): boolean {
  const name = basename(path);
  return unseenImages.has(name) || unseenPackages.some((p) => name.startsWith(`${p}__`));
}

/** The photographs of `paths` that belong to `split`. */
export function imagesOfSplit(paths: readonly string[], split: SourceSplit): string[] {
  if (split === 'all') return [...paths];
  return paths.filter((p) => isUnseenImage(p) === (split === 'unseen'));
}

/** The overlay files of one FILM-AA folder that belong to `split`. */
export function overlaysOfSplit(folder: string, names: readonly string[], split: SourceSplit): string[] {
  if (split === 'all') return [...names];
  const held = new Set(unseenOverlays[folder] ?? []);
  return names.filter((n) => held.has(n) === (split === 'unseen'));
}

/** The unseen split's names, for tests and the report. */
export function unseenSourceList(): { images: readonly string[]; packages: readonly string[]; overlays: Readonly<Record<string, readonly string[]>> } {
  return { images: [...unseenImages], packages: unseenPackages, overlays: unseenOverlays };
}
