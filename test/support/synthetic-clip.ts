export * from '../../packages/shared/src/synthetic/synthetic-clip.js';
