import { runWorkerProcess } from '@reelrestore/shared/workers/service';
import { pipelineService } from './index.js';

await runWorkerProcess('pipeline-worker', (deps) => [pipelineService(deps)]);
