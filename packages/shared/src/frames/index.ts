export * from './types.js';
export * from './plan.js';
export * from './ffmpeg.js';
export * from './probe-media.js';
export * from './decode-frames.js';
export * from './encode-frames.js';
export * from './detect-shots.js';
export * from './frame-files.js';
