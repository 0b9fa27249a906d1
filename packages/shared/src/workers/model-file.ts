import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * A worker that needs a model checks its file once, at start: a wrong path stops the process with the
 * variable's name, instead of failing every chunk (and its retries) with onnxruntime's load error.
 */
export function requireModelFile(variable: string, path: string): string {
  if (!existsSync(path)) throw new ConfigError(`${variable}: model file not found: ${path}`);
  return path;
}
