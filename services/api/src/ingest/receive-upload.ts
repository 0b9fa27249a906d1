import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { BadInputError, errorMessage } from '@reelrestore/shared/errors';
import type { ReelSource } from '@reelrestore/shared/reels/reel-record';
import { reelKeys, safeFileName } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { peekStream } from './peek-stream.js';
import { SNIFF_BYTES, sniffMedia, unsupportedMediaMessage, VIDEO_CONTENT_TYPES, videoExtension, type VideoContainer } from './sniff-media.js';
import { storeTarFrames } from './store-tar-frames.js';

export interface UploadContext {
  store: ObjectStore;
  reelId: string;
  maxBytes: number;
  /** Validates one text field as soon as it arrives, so a bad option sent before the file fails before the upload. */
  onField(name: string, value: string): Promise<void>;
}

/**
 * Reads a multipart submission: text fields in either order around one file part named `file`, which is
 * streamed into the store. Fields after the file are only seen once the file has been read, which is why
 * clients are asked to send them first.
 */
export async function receiveUpload(request: FastifyRequest, ctx: UploadContext): Promise<ReelSource> {
  let source: ReelSource | null = null;
  const parts = request.parts();
  for (;;) {
    const next = await nextPart(parts);
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      if (part.fieldname === 'file') throw new BadInputError('the "file" part has no filename, so it arrived as text: send it as a file', 400);
      if (part.valueTruncated) throw new BadInputError(`form field "${part.fieldname}" is too long`, 400);
      await ctx.onField(part.fieldname, String(part.value));
      continue;
    }
    if (part.fieldname !== 'file') throw new BadInputError(`unexpected file field "${part.fieldname}": send the reel as the field "file"`, 400);
    if (source) throw new BadInputError('send exactly one file per reel', 400);
    source = await storeUploadedFile(part, ctx);
  }
  if (!source) throw new BadInputError('no file: send the reel as the multipart file field "file"', 400);
  return source;
}

async function nextPart(parts: AsyncIterator<Multipart>): Promise<IteratorResult<Multipart>> {
  try {
    return await parts.next();
  } catch (err) {
    // The plugin's own errors carry a status (too many parts, connection closed); the parser's do not.
    if ((err as { statusCode?: number }).statusCode) throw err;
    throw new BadInputError(`the multipart body is malformed: ${errorMessage(err)}`, 400, { cause: err });
  }
}

async function storeUploadedFile(part: MultipartFile, ctx: UploadContext): Promise<ReelSource> {
  const tooLarge = () => new BadInputError(`the file is larger than the upload limit of ${ctx.maxBytes} bytes`, 413);
  let source: ReelSource;
  try {
    source = await sniffAndStore(part, ctx);
  } catch (err) {
    // A tar cut off at the limit fails to parse; the real reason is its size.
    if (part.file.truncated) throw tooLarge();
    if (part.file.errored) throw new BadInputError(`the file part broke off: ${errorMessage(part.file.errored)}`, 400, { cause: err });
    throw err;
  }
  // At the limit the part simply ends early; only this flag tells a cut-off file from a complete one.
  if (part.file.truncated) throw tooLarge();
  return source;
}

async function sniffAndStore(part: MultipartFile, ctx: UploadContext): Promise<ReelSource> {
  const { head, rest } = await peekStream(part.file, SNIFF_BYTES);
  if (head.length === 0) throw new BadInputError(`the uploaded file '${part.filename}' is empty`, 422);
  const sniffed = sniffMedia(head);
  if (sniffed.kind === 'other') {
    throw new BadInputError(unsupportedMediaMessage({ contentType: part.mimetype, fileName: part.filename, looksLike: sniffed.looksLike }), 415);
  }
  return sniffed.kind === 'tar' ? storeTarFrames(rest, ctx.store, ctx.reelId) : storeVideo(rest, sniffed.container, part.filename, ctx);
}

async function storeVideo(body: Readable, container: VideoContainer, fileName: string, ctx: UploadContext): Promise<ReelSource> {
  const ext = videoExtension(container, fileName);
  const key = reelKeys(ctx.reelId).sourceFile(`source.${ext}`);
  const put = await ctx.store.put(key, body, { contentType: VIDEO_CONTENT_TYPES[ext] ?? 'application/octet-stream' });
  return { type: 'video', key, fileName: displayName(fileName, `source.${ext}`), size: put.size, sha256: put.sha256 };
}

/** The client's file name made safe for the record and downloads, or `fallback`. */
export function displayName(fileName: string, fallback: string): string {
  try {
    return safeFileName(fileName);
  } catch {
    return fallback;
  }
}
