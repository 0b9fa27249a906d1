#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npx reelrestore` works right after `npm ci`, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
