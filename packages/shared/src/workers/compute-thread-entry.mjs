// Worker threads start without the parent's TypeScript loader: register tsx here, then load the task module.
import { register } from 'tsx/esm/api';

register();
await import('./compute-thread.ts');
