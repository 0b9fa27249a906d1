export * from './reel-record.js';
export * from './reel-store.js';
export * from './remove-reel-jobs.js';
export * from './assert-reel-active.js';
export * from './fail-reel.js';
export * from './read-source.js';
export * from './chunk-keys.js';
