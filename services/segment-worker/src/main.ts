import { runWorkerProcess } from '@reelrestore/shared/workers/service';
import { segmentService } from './index.js';

await runWorkerProcess('segment-worker', ({ config }) => [segmentService(config)]);
