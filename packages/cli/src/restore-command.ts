import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { isTerminal, type ReelRecord } from '@reelrestore/shared/reels/reel-record';
import { ApiClient } from './api-client.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import { listFrameFiles, tarOfFrames } from './upload-body.js';
import { uploadResumable } from './resumable-upload.js';
import { ProgressBar } from './progress-bar.js';

export interface RestoreOptions {
  input: string;
  out: string;
  api?: string;
  key?: string;
  chunkFrames?: number;
  format?: 'ffv1' | 'prores4444';
  dataDir: string;
  quiet?: boolean;
  /** A local service already running (demo --serve keeps it open afterwards); otherwise one is started and closed. */
  stack?: LocalStack;
}

export interface RestoreResult {
  reel: ReelRecord;
  outputFiles: string[];
  reportPath: string;
}

/**
 * `reelrestore restore <input> --out <dir>`: submits a video file or an image-sequence folder, follows it,
 * and writes the restored result, one mask per frame (image sequences), and report.json into <dir>.
 * Without --api it runs the whole service locally on the embedded defaults.
 */
export async function restore(opts: RestoreOptions): Promise<RestoreResult> {
  const input = await describeInput(opts.input);
  const ownStack = !opts.api && !opts.stack;
  const stack: LocalStack | null = opts.stack ?? (ownStack ? await startLocalStack({ dataDir: opts.dataDir }) : null);
  try {
    const api = opts.api ?? stack!.apiUrl;
    const apiKey = opts.key ?? stack!.apiKey;
    const client = new ApiClient(api, apiKey);
    const options = { ...(opts.chunkFrames ? { chunkFrames: opts.chunkFrames } : {}), ...(opts.format ? { outputFormat: opts.format } : {}) };
    const uploadId = await upload(api, apiKey, input.file(), opts.quiet ?? false);
    const { id } = await client.submitUpload(uploadId, options);
    if (!opts.quiet) process.stderr.write(`reel ${id}: submitted ${input.description}\n`);

    const reel = await follow(client, id, opts.quiet ?? false);
    if (reel.state !== 'completed') throw new Error(`reel ${id} ${reel.state}: ${reel.error ?? 'no reason given'}`);

    await mkdir(opts.out, { recursive: true });
    const outputFiles: string[] = [];
    if (input.kind === 'video') {
      const name = reel.outputs?.outputName ?? 'restored.mkv';
      const target = join(opts.out, `${basename(opts.input, extname(opts.input))}.${name}`);
      await client.download(`/v1/reels/${id}/output`, target);
      outputFiles.push(target);
    } else {
      outputFiles.push(...(await extractTar(await client.stream(`/v1/reels/${id}/output`), opts.out)));
      // One 8-bit mask per frame, named like its frame (255 = repainted).
      const maskDir = join(opts.out, 'masks');
      for (const [i, name] of input.frames.entries()) {
        await client.download(`/v1/reels/${id}/masks/${i}`, join(maskDir, `${basename(name, extname(name))}.png`));
      }
    }
    const reportPath = join(opts.out, 'report.json');
    await client.download(`/v1/reels/${id}/report`, reportPath);
    await client.download(`/v1/reels/${id}/preview`, join(opts.out, 'preview.mp4'));
    return { reel, outputFiles, reportPath };
  } finally {
    if (ownStack) await stack?.close();
  }
}

async function describeInput(path: string) {
  const s = await stat(path).catch(() => null);
  if (!s) throw new Error(`input ${path} does not exist`);
  if (s.isDirectory()) {
    const frames = await listFrameFiles(path);
    if (frames.length === 0) throw new Error(`${path} holds no .dpx, .tif/.tiff or .png frames`);
    return {
      kind: 'sequence' as const,
      frames,
      description: `${frames.length} frames from ${path}`,
      file: () => ({ name: `${basename(path)}.tar`, size: null, body: tarOfFrames(path, frames) }),
    };
  }
  return {
    kind: 'video' as const,
    frames: [] as string[],
    description: `${path} (${(s.size / 1e6).toFixed(1)} MB)`,
    file: () => ({ name: basename(path), size: s.size, body: createReadStream(path) }),
  };
}

/** The resumable upload, with its speed and time left on the progress line; a broken connection is resumed. */
async function upload(api: string, apiKey: string, file: { name: string; size: number | null; body: Readable }, quiet: boolean): Promise<string> {
  const bar = new ProgressBar();
  const id = await uploadResumable({
    api,
    apiKey,
    body: file.body,
    size: file.size,
    fileName: file.name,
    onProgress: (p) => {
      if (quiet) return;
      const percent = p.total ? Math.floor((100 * p.bytes) / p.total) : 0;
      const of = p.total ? ` of ${megabytes(p.total)}` : '';
      const eta = p.etaSeconds === null ? '' : `, ${Math.ceil(p.etaSeconds)} s left`;
      bar.update('uploading', percent, `${megabytes(p.bytes)}${of} at ${megabytes(p.bytesPerSecond)}/s${eta}`);
    },
    onResume: (err, attempt) => {
      if (!quiet) process.stderr.write(`\nupload interrupted (${err.message.split('\n')[0]}): resuming from the server's offset, try ${attempt}\n`);
    },
  });
  bar.done();
  return id;
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function follow(client: ApiClient, id: string, quiet: boolean): Promise<ReelRecord> {
  const bar = new ProgressBar();
  for (;;) {
    const reel = await client.status(id);
    if (!quiet) {
      const p = reel.progress;
      const shots = reel.shots.length ? `, ${reel.shots.length} shot${reel.shots.length > 1 ? 's' : ''}` : '';
      bar.update(reel.state, p.percent, `segmented ${p.segmented}/${p.framesTotal}, inpainted ${p.inpainted}/${p.framesTotal}${shots}`);
    }
    if (isTerminal(reel.state)) {
      bar.done();
      return reel;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function extractTar(stream: NodeJS.ReadableStream, outDir: string): Promise<string[]> {
  const files: string[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, entry, next) => {
      const name = basename(header.name);
      if (header.type !== 'file' || !name || name.startsWith('.')) {
        entry.resume();
        entry.on('end', next);
        return;
      }
      const target = join(outDir, name);
      files.push(target);
      pipeline(entry, createWriteStream(target)).then(() => next(), reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.pipe(extract);
  await done;
  return files;
}

export async function writeJson(path: string, data: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(data, null, 2));
}
