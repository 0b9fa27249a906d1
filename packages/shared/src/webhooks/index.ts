export * from './callback-url.js';
export * from './deliver-webhook.js';
export * from './notify-reel-finished.js';
export * from './sign-webhook.js';
export * from './notify-reel-progress.js';
export * from './reel-progress.js';
