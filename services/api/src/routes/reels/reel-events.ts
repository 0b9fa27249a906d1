import { PassThrough } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { z } from 'zod';
import { errorMessage } from '@reelrestore/shared/errors';
import { jobIds } from '@reelrestore/shared/jobs';
import { isTerminal, REEL_STATES, type ReelState } from '@reelrestore/shared/reels/reel-record';
import { readReelProgress, type ReelProgress, type StageProgress } from '@reelrestore/shared/webhooks/reel-progress';
import type { ApiDeps, App } from '../../deps.js';
import { findOwnReel } from './find-reel.js';
import { problemBody, reelEventsHeaders, reelIdParams, reelProgressEvent, reelStateEvent } from './schemas.js';

/** Each stream reads a few fields of the reel this often, and the whole record only when they changed. */
const POLL_MS = 500;
/** A comment this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** How long EventSource waits before reconnecting. */
const RETRY_MS = 2_000;

type StateEvent = z.infer<typeof reelStateEvent>;
type ProgressEvent = z.infer<typeof reelProgressEvent>;

/**
 * `GET /v1/reels/:id/events`: server-sent events, `state` on every state change the stream sees and
 * `progress` whenever progress moves, until the terminal state's event, after which the stream ends.
 */
export function reelEventRoutes(app: App, deps: ApiDeps): void {
  const open = new Set<PassThrough>();
  // A stream lasts as long as its reel runs: ending them lets the server close without waiting for reels.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get(
    '/v1/reels/:id/events',
    {
      schema: {
        summary: "The reel's state changes and progress, as server-sent events",
        description:
          'text/event-stream. `event: state` on every state change, `event: progress` (overall, per stage and per shot, ' +
          'ETA, queue position) whenever it moves; percent never decreases. Every event has an `id`: a client ' +
          'reconnecting with `Last-Event-ID` goes on from there. A comment every 15 s keeps proxies from closing ' +
          'the stream, which ends after the terminal state (`completed`, `failed`, `cancelled`).',
        tags: ['reels'],
        params: reelIdParams,
        headers: reelEventsHeaders,
        response: {
          200: {
            description: "each event's `data` is one JSON object: a state event's or a progress event's",
            content: { 'text/event-stream': { schema: z.union([reelStateEvent, reelProgressEvent]) } },
          },
          204: z.null().describe('Last-Event-ID was the terminal event: nothing more will come, so EventSource stops reconnecting'),
          404: problemBody,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const reel = await findOwnReel(deps.reels, id, request.tenantId);
      const resume = parseEventId(request.headers['last-event-id']);
      if (resume && isTerminal(resume.state) && resume.state === reel.state) return reply.code(204).send(null);

      const stream = new PassThrough();
      open.add(stream);
      stream.on('close', () => open.delete(stream));
      followReel(deps, id, stream, resume, request.log);
      return sendEventStream(reply, stream);
    },
  );
}

function sendEventStream(reply: FastifyReply, stream: PassThrough): FastifyReply {
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no') // nginx would otherwise buffer the stream
    .send(stream);
}

/** Event ids are `<seq>.<state>.<percent>`, so a reconnecting client's Last-Event-ID says where it was. */
interface StreamPosition {
  seq: number;
  state: ReelState;
  percent: number;
}

function parseEventId(raw: string | string[] | undefined): StreamPosition | null {
  const m = typeof raw === 'string' ? /^(\d{1,12})\.([a-z]{1,16})\.(\d{1,3})$/.exec(raw) : null;
  if (!m) return null;
  const state = m[2] as ReelState;
  const percent = Number(m[3]);
  return REEL_STATES.includes(state) && percent <= 100 ? { seq: Number(m[1]), state, percent } : null;
}

// BullMQ pushes a waiting job onto the head of its wait list (the paused list while paused) and takes jobs
// from the tail: the place in line is the length less the index. LPOS searches from the tail (RANK -1).
const QUEUE_POSITION_SCRIPT = `for i = 1, #KEYS do
  local at = redis.call('LPOS', KEYS[i], ARGV[1], 'RANK', -1)
  if at then return redis.call('LLEN', KEYS[i]) - at end
end
return 0`;

/**
 * The pipeline's states in order. Every reel in a later one went through each earlier one (probe-reel,
 * segment-chunk, inpaint-chunk and stitch-reel move it one step; build-flow puts inpaint before stitch),
 * so a state shorter than a poll is still reported, in its place.
 */
const PIPELINE: readonly ReelState[] = ['queued', 'probing', 'segmenting', 'inpainting', 'stitching', 'completed'];

/** The states a reel went through between two the stream saw. */
function passedThrough(from: ReelState | null, to: ReelState): ReelState[] {
  const i = from ? PIPELINE.indexOf(from) : -1;
  const j = PIPELINE.indexOf(to);
  return i >= 0 && j > i + 1 ? PIPELINE.slice(i + 1, j) : [];
}

/** The reel's probe job's place among waiting probe jobs (1 = next), or null when it is not waiting. */
async function queuePosition(deps: ApiDeps, reelId: string): Promise<number | null> {
  const probe = deps.queues.probe;
  const n = await deps.redis.eval(QUEUE_POSITION_SCRIPT, 2, probe.toKey('wait'), probe.toKey('paused'), jobIds.probe(reelId));
  return typeof n === 'number' && n > 0 ? n : null;
}

/**
 * Polls the reel for one stream and writes its events until the terminal one, the client going away,
 * or the server closing. Percentages only rise within a stream, and past a Last-Event-ID's.
 */
function followReel(deps: ApiDeps, id: string, out: PassThrough, resume: StreamPosition | null, log: FastifyBaseLogger): void {
  let seq = resume?.seq ?? 0;
  let lastState: ReelState | null = resume?.state ?? null;
  let lastStamp: string | null = null;
  let lastPosition: number | null = null;
  const highest = new Map<string, number>(resume ? [['reel', resume.percent]] : []);
  const sentShots = new Map<number, string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const rising = (key: string, percent: number) => {
    const p = Math.max(percent, highest.get(key) ?? 0);
    highest.set(key, p);
    return p;
  };
  const stage = (key: string, s: StageProgress): StageProgress => ({ frames: s.frames, percent: rising(key, s.percent) });
  const write = (text: string) => {
    if (!closed && !out.writableEnded) out.write(text);
  };
  const send = (event: 'state' | 'progress', data: StateEvent | ProgressEvent, state: ReelState, percent: number) => {
    seq += 1;
    write(`id: ${seq}.${state}.${percent}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const sendState = (state: ReelState, error?: string) => {
    const data: StateEvent = { id, state, ...(error ? { error } : {}) };
    send('state', data, state, highest.get('reel') ?? 0);
    lastState = state;
  };
  const sendProgress = (p: ReelProgress) => {
    // After the first event, only the shots that moved: a feature film has hundreds.
    const shots = p.shots.filter((s) => {
      const key = `${s.segment.frames}/${s.inpaint.frames}`;
      if (sentShots.get(s.index) === key) return false;
      sentShots.set(s.index, key);
      return true;
    });
    const data: ProgressEvent = {
      ...p,
      percent: rising('reel', p.percent),
      segment: stage('segment', p.segment),
      inpaint: stage('inpaint', p.inpaint),
      shots: shots.map((s) => ({ ...s, segment: stage(`${s.index}/segment`, s.segment), inpaint: stage(`${s.index}/inpaint`, s.inpaint) })),
    };
    send('progress', data, p.state, data.percent);
  };
  const end = () => {
    if (!closed && !out.writableEnded) out.end();
  };

  const tick = async () => {
    // A client that is not reading gets the latest progress once it does, not a backlog.
    if (out.writableNeedDrain) return;
    const now = await deps.reels.progressStamp(id);
    if (!now) return end(); // the reel is gone
    const position = now.state === 'queued' ? await queuePosition(deps, id) : null;
    if (now.stamp === lastStamp && position === lastPosition) return;
    const read = await readReelProgress(deps.reels, id, { queuePosition: position });
    if (!read) return end();
    lastStamp = now.stamp;
    lastPosition = position;
    const { reel, progress } = read;
    const terminal = isTerminal(reel.state);
    if (reel.state !== lastState) {
      for (const state of passedThrough(lastState, reel.state)) sendState(state);
      if (!terminal) sendState(reel.state);
    }
    sendProgress(progress);
    // The terminal state is the last event.
    if (terminal) {
      sendState(reel.state, reel.error);
      end();
    }
  };
  const loop = () => {
    tick().then(
      () => {
        if (!closed && !out.writableEnded) timer = setTimeout(loop, POLL_MS);
      },
      (err: unknown) => {
        // The client reconnects with its Last-Event-ID and goes on from there.
        log.warn({ reelId: id, err: errorMessage(err) }, 'reel event stream ended: reading the reel failed');
        end();
      },
    );
  };

  const heartbeat = setInterval(() => {
    if (!out.writableNeedDrain) write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  out.on('close', () => {
    closed = true;
    clearTimeout(timer);
    clearInterval(heartbeat);
  });
  write(`retry: ${RETRY_MS}\n\n`);
  loop();
}
