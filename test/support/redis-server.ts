export { freePort, PrivateRedis as TestRedis } from '../../packages/shared/src/redis-server.js';
