/** The console's only door to the service: the same REST API as any client, with the key of this browser session. */

const KEY = 'reelrestore.apiKey';

export function savedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A request with the key; errors come back as the problem's detail, in words. */
export async function api(path: string, init: RequestInit = {}, key = savedKey()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    const problem = (await res.json().catch(() => null)) as { detail?: string } | null;
    throw new ApiError(res.status, problem?.detail ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await api(path, init)).json() as Promise<T>;
}

export interface Reel {
  id: string;
  state: string;
  createdAt: string;
  finishedAt?: string;
  error?: string;
  source: { type: string; fileName?: string; frames?: number };
  media?: { width: number; height: number; frameCount: number };
  progress: { framesTotal: number; segmented: number; inpainted: number; percent: number };
  shots: { index: number; start: number; end: number; segmented: number; inpainted: number; damagedPixels: number }[];
  damagedPixels: number;
  /** Known damage masks are attached (benchmark material): the overlay colours hits, false alarms and misses. */
  truth?: boolean;
  /** The review revision the outputs show; absent before the first edit. */
  revision?: number;
}

export const isFinished = (state: string) => state === 'completed' || state === 'failed' || state === 'cancelled';

/**
 * Server-sent events over fetch (EventSource cannot send the key): calls `on` per event, with the event's
 * id, until the stream ends or `signal` aborts. `lastEventId` goes on from an earlier stream's last event
 * (the API answers 204 when that was the terminal one: then nothing comes and this returns).
 */
export async function followEvents(
  path: string,
  on: (event: string, data: unknown, id: string | null) => void,
  signal: AbortSignal,
  lastEventId?: string | null,
): Promise<void> {
  const res = await api(path, { signal, ...(lastEventId ? { headers: { 'last-event-id': lastEventId } } : {}) });
  if (res.status === 204 || !res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      let id: string | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (data) on(event, JSON.parse(data), id);
    }
  }
}

/** One stage of a reel's frame work, as the event stream's `progress` events give it. */
export interface StageProgress {
  frames: number;
  percent: number;
}

/** One shot's share of the segment and inpaint work (frames [start, end)). */
export interface ShotProgress {
  index: number;
  start: number;
  end: number;
  segment: StageProgress;
  inpaint: StageProgress;
}

/** The data of a `progress` event (the API's ReelProgress). */
export interface ProgressEvent {
  state: string;
  percent: number;
  framesTotal: number;
  segment: StageProgress;
  inpaint: StageProgress;
  /** The first event lists every shot, later ones only those that moved. */
  shots: ShotProgress[];
  etaSeconds: number | null;
  queuePosition: number | null;
}

/** The data of a `state` event. */
export interface StateEvent {
  state: string;
  error?: string;
}

/** An image the API serves (it needs the key, which an <img> cannot send), as an object URL. */
export async function imageUrl(path: string): Promise<string> {
  return URL.createObjectURL(await (await api(path)).blob());
}

/** The review contract is the service's own (packages/shared/src/review/edits.ts); only its types come here. */
export type { Edit, EditLogEntry, ReviewState } from '../../packages/shared/src/review/edits.js';
