export type { ObjectStore, PutResult, StoredObject } from './storage.js';
export { safeKey, safeFileName, reelKeys } from './keys.js';
export { LocalStore } from './local-store.js';
export { S3Store, bucketNameProblem, type S3StoreOptions } from './s3-store.js';
export { createObjectStore } from './create-store.js';
