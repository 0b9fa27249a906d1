export { buildApp, type BuildAppDeps } from './app.js';
export { startApi, type RunningApi } from './start-api.js';
