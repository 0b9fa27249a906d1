/**
 * A self-contained HTML report: inline CSS, inline SVG bar charts, pictures as base64 PNG. One file a
 * person can mail or attach to an issue; it loads nothing from anywhere.
 */
import type { BenchReport, SplitReport } from './bench-report.js';
import type { OverlaySample } from './evaluate-set.js';
import type { RealClipPictures, RealClipResult } from './real-clips.js';
import { DETECTION_METRICS, DRAW_HEADER, REAL_CLIP_HEADER, RESTORATION_METRICS, drawRows, fmt, realClipRows, restorationRows } from './report-markdown.js';
import { greyPng, overlayPng, previewGrey } from './render-images.js';

export interface HtmlInputs {
  report: BenchReport;
  overlays: OverlaySample[];
  /** One per entry of report.real_clips, in the same order. */
  realPictures: RealClipPictures[];
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function htmlTable(header: string[], rows: string[][]): string {
  const head = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Horizontal bars, one per entry; null values get an empty bar labelled "–". */
export function barChart(title: string, bars: { label: string; value: number | null }[], digits = 3): string {
  const rowH = 22;
  const labelW = 190;
  const plotW = 360;
  const h = bars.length * rowH + 30;
  const max = Math.max(1e-12, ...bars.map((b) => b.value ?? 0));
  const rows = bars
    .map((b, i) => {
      const y = 24 + i * rowH;
      const w = b.value === null ? 0 : Math.max(1, (b.value / max) * plotW);
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 7}" fill="#4a78b5"/>` +
        `<text x="${labelW + w + 4}" y="${y + 14}">${esc(fmt(b.value, digits))}</text>`
      );
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${labelW + plotW + 70} ${h}" width="${labelW + plotW + 70}" height="${h}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${rows}</svg>`;
}

/** Flagged share per frame as thin columns: spikes show the frames with the most damage. */
function columnChart(title: string, values: number[]): string {
  const w = 560;
  const h = 120;
  const max = Math.max(1e-12, ...values);
  const bw = w / Math.max(1, values.length);
  const cols = values
    .map((v, i) => {
      const bh = (v / max) * (h - 30);
      return `<rect x="${(i * bw).toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#b5784a"/>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="14" font-weight="bold">${esc(title)} (max ${fmt(max * 100, 2)} %)</text>${cols}</svg>`;
}

function figure(caption: string, src: string): string {
  return `<figure><img src="${src}" alt="${esc(caption)}"><figcaption>${esc(caption)}</figcaption></figure>`;
}

/** Drawn at exactly CROP_SCALE screen pixels per source pixel, no smoothing: grain and repaint edges stay as they are. */
const CROP_SCALE = 2;

function cropFigure(caption: string, src: string, w: number, h: number): string {
  return `<figure class="crop"><img src="${src}" width="${w * CROP_SCALE}" height="${h * CROP_SCALE}" alt="${esc(caption)}"><figcaption>${esc(caption)}</figcaption></figure>`;
}

const REAL_LEGEND = `<p class="legend">Mask overlay:<span style="background:rgb(255,220,0)"></span>flagged and repainted<span style="background:rgb(0,200,60)"></span>flagged, value unchanged<span style="background:rgb(230,30,30)"></span>changed outside the mask (should not happen)</p>`;

function realClipSection(c: Omit<RealClipResult, 'pictures'>, pics: RealClipPictures | undefined): string {
  const out: string[] = [];
  const pipeline = `unet + ${c.inpainter}`;
  out.push(`<h3>${esc(c.name)}</h3>`);
  out.push(
    `<p>${esc(c.dir)}: ${c.frames} of ${c.frames_in_folder} frames, ${c.width}x${c.height}, restored by ${esc(pipeline)} (the service defaults). Pixels changed ${fmt(c.pixels_changed_share * 100, 3)} % (max frame ${fmt(c.changed_share_max * 100, 3)} %; outside the mask ${fmt(c.changed_outside_mask_share * 100, 4)} %); mask share mean ${fmt(c.mask_share_mean * 100, 2)} %, max ${fmt(c.mask_share_max * 100, 2)} % (the spike reference flags ${fmt((c.spike_flagged_share.reduce((a, b) => a + b, 0) / Math.max(1, c.spike_flagged_share.length)) * 100, 2)} % on average). Temporal spikes ${c.spikes_before} before, ${c.spikes_after} after (reduction ${fmt(c.spike_reduction, 3)}).</p>`,
  );
  out.push(`<div class="row">${columnChart('changed share per frame', c.changed_share)}${columnChart('mask share per frame', c.flagged_share)}</div>`);
  if (!pics) return out.join('\n');
  out.push('<h4>Frames with the most changed pixels (scaled to fit)</h4>');
  for (const p of pics.frames) {
    out.push(
      `<p>${esc(p.frame)} (frame ${p.index}, ${fmt(p.changed_share * 100, 3)} % changed)</p><div class="row">${figure('before', p.before)}${figure(`after (${pipeline})`, p.after)}${figure('mask overlay', p.overlay)}</div>`,
    );
  }
  out.push(`<h4>Where the most pixels changed: ${CROP_SCALE}:1 crops (each source pixel drawn as ${CROP_SCALE}x${CROP_SCALE}, not resampled)</h4>`);
  for (const p of pics.crops) {
    const where = `${p.frame} x=${p.x} y=${p.y} (${p.width}x${p.height}, ${p.changed_pixels} px changed)`;
    out.push(
      `<p>${esc(where)}</p><div class="row">${cropFigure(`before, ${CROP_SCALE}:1`, p.before, p.width, p.height)}${cropFigure(`after, ${CROP_SCALE}:1`, p.after, p.width, p.height)}${cropFigure(`mask overlay, ${CROP_SCALE}:1`, p.overlay, p.width, p.height)}</div>`,
    );
  }
  return out.join('\n');
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}thead th{background:#f3f3f3}tbody th{text-align:left;font-weight:normal}
.chart{margin:0.5em 1em 0.5em 0;font:12px system-ui,sans-serif}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
figure{margin:0}figure img{max-width:380px;image-rendering:pixelated;border:1px solid #ccc}figcaption{font-size:12px;color:#555}
.crop img{max-width:none}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
dl{font-size:12px;color:#444}dt{font-weight:bold;margin-top:4px}
`;

export async function htmlReport({ report: r, overlays, realPictures }: HtmlInputs): Promise<string> {
  const m = r.meta;
  const out: string[] = [];
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>reelrestore benchmark</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>reelrestore benchmark (${esc(m.mode)})</h1>`);
  out.push(
    `<p>${esc(m.date)} · ${esc(m.machine.cpu)} × ${m.machine.cores} cores, ${m.machine.memory_gb} GB · Node ${esc(m.node)} · commit ${esc(m.git_commit ?? '–')} · seed ${m.seed} · ${m.wall_seconds.toFixed(0)} s</p>`,
  );
  for (const split of r.splits) out.push(splitHtml(split));
  if (r.unseen_draws.length > 1) {
    out.push(`<h2>Unseen split drawn again</h2><p>Other seeds, the same unseen sources: the learned masks (undilated) on ${r.unseen_draws[0]!.sequences} sequences a draw; one draw is a small sample.</p>`);
    out.push(htmlTable(DRAW_HEADER, drawRows(r)));
  }
  if (r.gapped) {
    const g = r.gapped;
    out.push(`<h2>Frames whose neighbours are other pictures</h2><p>Every ${g.gap}th frame of ${g.sequences} unseen sequences (${g.frames} frames): the detector must judge a frame by itself and never flood it.</p>`);
    out.push(htmlTable(['mask / truth', 'worst frame', 'fp_rate', 'recall_visible'], [[fmt(g.mask_to_truth, 2), fmt(g.mask_to_truth_max, 2), fmt(g.fp_rate, 4), fmt(g.recall_visible, 3)]]));
  }

  out.push('<h2>Speed and memory</h2>');
  out.push(
    htmlTable(
      ['stage@size', 'size', 'frames', 'fps', 'vs tmedian', 'peak RSS MB'],
      Object.entries(r.speed).map(([key, e]) => [key, `${e.width}x${e.height}`, String(e.frames), fmt(e.fps, 2), fmt(e.vs_tmedian, 3), fmt(r.memory[key]?.peak_rss_mb, 0)]),
    ),
  );
  out.push(
    `<div class="row">${barChart('frames per second (one thread)', Object.entries(r.speed).map(([label, e]) => ({ label, value: e.fps })), 2)}${barChart(
      'peak RSS (MB)',
      Object.entries(r.memory).map(([label, e]) => ({ label, value: e.peak_rss_mb })),
      0,
    )}</div>`,
  );

  out.push(`<h2>Synthetic frames: ${esc(overlays[0]?.method ?? 'unet')} pipeline (the service defaults)</h2>`);
  out.push(
    `<p class="legend">Mask overlay:<span style="background:rgb(255,220,0)"></span>detected damage (TP)<span style="background:rgb(0,200,60)"></span>false alarm (FP)<span style="background:rgb(230,30,30)"></span>missed damage (FN)</p>`,
  );
  for (const o of overlays) {
    const { width: w, height: h } = o.layout;
    const before = previewGrey(o.damaged, o.layout);
    out.push(`<h3>${esc(o.sequence)}, frame ${o.frame}</h3><div class="row">`);
    out.push(figure('damaged input', await greyPng(before, w, h)));
    out.push(figure(`restored (${o.method})`, await greyPng(previewGrey(o.restored, o.layout), w, h)));
    out.push(figure('clean truth', await greyPng(previewGrey(o.clean, o.layout), w, h)));
    out.push(figure('mask: TP yellow, FP green, FN red', await overlayPng(before, w, h, o.predicted, o.truth)));
    out.push('</div>');
  }

  if (r.real_clips.length > 0) {
    out.push('<h2>Real clips (no ground truth)</h2>');
    out.push(htmlTable(REAL_CLIP_HEADER, realClipRows(r)));
    out.push(REAL_LEGEND);
    for (const [i, c] of r.real_clips.entries()) out.push(realClipSection(c, realPictures[i]));
  }

  out.push('<h2>Conventions</h2><dl>');
  for (const [k, v] of Object.entries(m.conventions)) out.push(`<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`);
  out.push('</dl></body></html>');
  return out.join('\n');
}

/** One split's sequences, detection and restoration tables and charts. */
function splitHtml(split: SplitReport): string {
  const out: string[] = [];
  out.push(`<h2>${esc(split.title)}</h2><p>Set: ${esc(split.description)}</p>`);
  out.push(
    htmlTable(
      ['sequence', 'size', 'channels', 'bits', 'frames', 'damaged %'],
      split.sequences.map((s) => [s.name, `${s.width}x${s.height}`, String(s.channels), String(s.bits), String(s.frames), fmt(s.damaged_share * 100, 2)]),
    ),
  );

  out.push('<h3>Detection</h3>');
  out.push(
    htmlTable(
      ['detector', ...DETECTION_METRICS, 'recall per class'],
      Object.entries(split.detectors).map(([name, e]) => [
        name,
        ...DETECTION_METRICS.map((k) => fmt(e[k], k.startsWith('fp_rate') ? 4 : 3)),
        Object.entries(e.per_class)
          .map(([c, v]) => `${c} ${fmt(v.recall, 2)} (${v.pixels} px)`)
          .join(', ') || '–',
      ]),
    ),
  );
  out.push(
    `<div class="row">${barChart('Dice', Object.entries(split.detectors).map(([label, e]) => ({ label, value: e.dice })))}${barChart(
      'Recall',
      Object.entries(split.detectors).map(([label, e]) => ({ label, value: e.recall })),
    )}</div>`,
  );

  const rows = restorationRows(split);
  out.push('<h3>Restoration: inpainters, pipeline, peers</h3>');
  out.push(
    htmlTable(
      ['method', 'kind', ...RESTORATION_METRICS],
      rows.map(({ section, name, scores }) => [name, section, ...RESTORATION_METRICS.map((k) => fmt(scores[k], k.endsWith('psnr') || k === 'flicker' ? 2 : 3))]),
    ),
  );
  out.push(
    `<div class="row">${barChart('masked PSNR (dB)', rows.map(({ name, scores }) => ({ label: name, value: scores.masked_psnr ?? null })), 2)}${barChart(
      'damage left (share)',
      rows.map(({ name, scores }) => ({ label: name, value: scores.damage_left ?? null })),
    )}${barChart('grain ratio (1 = truth)', rows.map(({ name, scores }) => ({ label: name, value: scores.grain_ratio ?? null })))}</div>`,
  );

  return out.join('\n');
}
