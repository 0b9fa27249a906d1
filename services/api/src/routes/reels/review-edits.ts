import { randomBytes } from 'node:crypto';
import { BadInputError } from '@reelrestore/shared/errors';
import { jobIds } from '@reelrestore/shared/jobs';
import { defaultJobOptions, enqueue } from '@reelrestore/shared/queues';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { logEntries } from '@reelrestore/shared/review/log-edits';
import { readReviewMask } from '@reelrestore/shared/review/review-masks';
import { publicUrl, type ApiDeps, type App } from '../../deps.js';
import { sendProblem } from '../../plugins/error-handler.js';
import { findOwnReel } from './find-reel.js';
import { conflictBody, editsAcceptedBody, editsRequestBody, problemBody, reelIdParams, reviewBody } from './schemas.js';

/**
 * A restorer's review of a completed reel: edits that reject repairs, add ones the detector missed, or revert or
 * accept whole shots. Each request is one revision: the reel reopens, a review job rebuilds the edited frames'
 * masks and repaints only the chunks they touch, and the outputs are stitched again (pipeline-worker/review-reel.ts).
 */
export function reviewEditRoutes(app: App, deps: ApiDeps): void {
  app.post(
    '/v1/reels/:id/edits',
    {
      schema: {
        summary: 'Review a completed reel: reject, add, revert or accept repairs; the output is made again',
        description:
          'Only a completed reel takes edits (409 otherwise, also while the previous edits are being rendered). A reject names a ' +
          'point on a repaired region (within 6 px of it); its pixels go back to the scan. An add paints a round brush along a path; ' +
          'the inpainter fills what it covers. Answers 202; the reel is `inpainting` and then `stitching` until it is `completed` ' +
          'again at the new revision (watch /events). Outside the final mask, output pixels equal the source after every edit.',
        tags: ['review'],
        params: reelIdParams,
        body: editsRequestBody,
        response: { 202: editsAcceptedBody, 400: problemBody, 404: problemBody, 409: conflictBody, 413: problemBody, 422: problemBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const rec = await findOwnReel(deps.reels, id, request.tenantId);
      const conflict = (detail: string) => sendProblem(reply, 409, detail, { extra: { state: rec.state } });
      if (rec.purgedAt) return conflict(`reel ${id} was purged: it has nothing left to edit`);
      if (rec.state !== 'completed') return conflict(`reel ${id} is ${rec.state}: edits are taken once it is completed`);
      const plan = await readPlan(deps.store, id);
      if (!plan) throw new BadInputError(`reel ${id} has no plan`, 409);
      const revision = (rec.revision ?? 0) + 1;
      const { layout } = plan.media;
      const entries = await logEntries(request.body.edits, plan, (frame, which) => readReviewMask(deps.store, id, frame, which, layout), {
        revision,
        by: request.body.author ?? request.tenantId,
      });
      // The job first, then the reopen: a job whose reopen never happened (another edit won, or this process
      // died) finds another nonce and does nothing; a reopen never waits for a job that was not added.
      const nonce = randomBytes(8).toString('hex');
      // Each review job has its own id (the nonce), so none is kept once done: a purge need not find them.
      const opts = { ...defaultJobOptions(deps.config.JOB_ATTEMPTS), removeOnComplete: true, removeOnFail: { age: 86_400 } };
      await enqueue(deps.queues, 'review', jobIds.review(id, revision, nonce), { reelId: id, revision, nonce }, opts);
      if (!(await deps.reels.reopenForReview(id, revision, nonce, entries))) {
        return conflict(`reel ${id} changed while the edits were checked (another edit, a cancel or a purge): read it again and resend`);
      }
      request.log.info({ reelId: id, revision, edits: entries.length }, 'review edits accepted');
      const { edits } = await deps.reels.review(id);
      return reply.code(202).send({ id, state: 'inpainting' as const, revision, edits, statusUrl: publicUrl(deps.config, `/v1/reels/${id}`, request) });
    },
  );

  app.get(
    '/v1/reels/:id/edits',
    {
      schema: {
        summary: "A reel's edit log: who changed which repair, when, and the revision it made",
        tags: ['review'],
        params: reelIdParams,
        response: { 200: reviewBody, 404: problemBody },
      },
    },
    async (request) => {
      await findOwnReel(deps.reels, request.params.id, request.tenantId);
      const { revision, edits } = await deps.reels.review(request.params.id);
      return { revision, edits };
    },
  );
}
