/**
 * A rectangle fed to a network and the part of it whose output is trusted (the rest is context). Both
 * learned stages tile frames this way: the segmenter (unet-segment.ts) and the inpainter (inpaint-window.ts).
 */
export interface TileRect {
  x: number;
  y: number;
  w: number;
  h: number;
  keepX0: number;
  keepX1: number;
  keepY0: number;
  keepY1: number;
}
