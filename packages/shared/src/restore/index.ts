export * from './luma.js';
export * from './motion.js';
export * from './morphology.js';
export * from './spike-detect.js';
export * from './median-fill.js';
export { encodeMaskPng, decodeMaskPng } from './mask-png.js';
export * from './patches.js';
