import { runWorkerProcess } from '@reelrestore/shared/workers/service';
import { inpaintService } from './index.js';

await runWorkerProcess('inpaint-worker', ({ config }) => [inpaintService(config)]);
