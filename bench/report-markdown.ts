/** The report as markdown tables: printed to stdout and written to bench.md for the README. */
import type { BenchReport, SplitReport } from './bench-report.js';

export const RESTORATION_METRICS = [
  'masked_psnr',
  'masked_psnr_moving',
  'full_psnr',
  'damage_left',
  'damage_left_pixel',
  'untouched_exact',
  'clean_kept_exact',
  'far_kept_exact',
  'grain_ratio',
  'flicker',
  'flicker_ratio',
] as const;
export const DETECTION_METRICS = ['precision', 'recall', 'dice', 'precision_visible', 'recall_visible', 'dice_visible', 'iou', 'fp_rate', 'fp_rate_clean'] as const;

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return v.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Every method that repaints, in one table: which section it comes from is in its first column. */
export function restorationRows(r: SplitReport): { section: string; name: string; scores: Record<string, number | null> }[] {
  const out: { section: string; name: string; scores: Record<string, number | null> }[] = [];
  for (const [section, entries] of [
    ['inpainter', r.inpainters],
    ['pipeline', r.pipeline],
    ['peer', r.peers],
  ] as const) {
    for (const [name, e] of Object.entries(entries)) {
      if (section === 'peer' && name in r.inpainters) continue; // spatial@true_mask is listed once
      out.push({ section, name, scores: e as unknown as Record<string, number | null> });
    }
  }
  return out;
}

export const REAL_CLIP_HEADER = ['clip', 'frames', 'size', 'pixels changed %', 'max frame changed %', 'spikes before', 'spikes after', 'spike reduction'];

/** One row per real clip: how much the pipeline touched against how much one-frame damage it removed. */
export function realClipRows(r: BenchReport): string[][] {
  return r.real_clips.map((c) => [
    c.name,
    c.frames === c.frames_in_folder ? String(c.frames) : `${c.frames} of ${c.frames_in_folder}`,
    `${c.width}x${c.height}`,
    fmt(c.pixels_changed_share * 100, 3),
    fmt(c.changed_share_max * 100, 3),
    String(c.spikes_before),
    String(c.spikes_after),
    fmt(c.spike_reduction, 3),
  ]);
}

export const DRAW_HEADER = ['seed', 'precision', 'precision_visible', 'recall_visible', 'fp_rate_clean %'];

/** One row per draw of the unseen split; the clean pixels flagged in per cent, as the target is put. */
export function drawRows(r: BenchReport): string[][] {
  const mean = (k: 'precision' | 'precision_visible' | 'recall_visible' | 'fp_rate_clean') => {
    const v = r.unseen_draws.map((d) => d[k]).filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(3));
  return [
    ...r.unseen_draws.map((d) => [String(d.seed), fmt(d.precision, 3), fmt(d.precision_visible, 3), fmt(d.recall_visible, 3), pct(d.fp_rate_clean)]),
    ['mean', fmt(mean('precision'), 3), fmt(mean('precision_visible'), 3), fmt(mean('recall_visible'), 3), pct(mean('fp_rate_clean'))],
  ];
}

export function markdownReport(r: BenchReport): string {
  const parts: string[] = [];
  const m = r.meta;
  parts.push(
    `Benchmark ${m.mode}, seed ${m.seed}, ${m.date.slice(0, 10)}, ${m.machine.cpu} × ${m.machine.cores}, Node ${m.node}, commit ${m.git_commit?.slice(0, 10) ?? '–'}, ${m.wall_seconds.toFixed(0)} s.`,
  );
  for (const split of r.splits) parts.push(splitMarkdown(split));
  if (r.unseen_draws.length > 1) {
    parts.push(`#### Unseen split drawn again (learned masks, undilated; ${r.unseen_draws[0]!.sequences} sequences a draw)`);
    parts.push(table(DRAW_HEADER, drawRows(r)));
  }
  if (r.gapped) {
    const g = r.gapped;
    parts.push(`#### Frames whose neighbours are other pictures (every ${g.gap}th frame, ${g.sequences} unseen sequences, ${g.frames} frames)`);
    parts.push(table(['mask / truth', 'worst frame', 'fp_rate', 'recall_visible'], [[fmt(g.mask_to_truth, 2), fmt(g.mask_to_truth_max, 2), fmt(g.fp_rate, 4), fmt(g.recall_visible, 3)]]));
  }
  parts.push('### Speed and memory (one thread per stage; segment_worker and inpaint_worker: one thread per core)');
  parts.push(
    table(
      ['stage', 'size', 'frames', 'fps', 'vs tmedian', 'peak_rss_mb'],
      Object.entries(r.speed).map(([key, e]) => [e.stage, `${e.size} ${e.width}x${e.height}`, String(e.frames), fmt(e.fps, 2), fmt(e.vs_tmedian, 3), fmt(r.memory[key]?.peak_rss_mb, 0)]),
    ),
  );

  if (r.api_throughput) {
    const t = r.api_throughput;
    parts.push(`### Upload and download through the API (loopback, local store, ${(t.bytes / 2 ** 20).toFixed(0)} MiB; MB/s)`);
    parts.push(
      table(
        ['plain copy', 'multipart POST', 'tus PATCH', 'download'],
        [[fmt(t.plain_copy_mb_s, 0), fmt(t.multipart_upload_mb_s, 0), fmt(t.tus_upload_mb_s, 0), fmt(t.download_mb_s, 0)]],
      ),
    );
  }

  if (r.real_clips.length > 0) {
    parts.push('### Real clips (no ground truth; the service defaults over every frame)');
    parts.push(table(REAL_CLIP_HEADER, realClipRows(r)));
  }
  return parts.join('\n\n') + '\n';
}

/** One split's detection and restoration tables. */
function splitMarkdown(split: SplitReport): string {
  const parts: string[] = [`### ${split.title}`, `Set: ${split.description}.`];
  parts.push('#### Detection');
  parts.push(
    table(
      ['detector', ...DETECTION_METRICS, 'recall per class'],
      Object.entries(split.detectors).map(([name, e]) => [
        name,
        ...DETECTION_METRICS.map((k) => fmt(e[k], k.startsWith('fp_rate') ? 4 : 3)),
        Object.entries(e.per_class)
          .map(([c, v]) => `${c} ${fmt(v.recall, 2)}`)
          .join(', ') || '–',
      ]),
    ),
  );
  parts.push('#### Restoration (masked_psnr, full_psnr in dB; flicker in 8-bit levels)');
  parts.push(
    table(
      ['method', 'kind', ...RESTORATION_METRICS],
      restorationRows(split).map(({ section, name, scores }) => [
        name,
        section,
        ...RESTORATION_METRICS.map((k) => fmt(scores[k], k.endsWith('psnr') || k === 'flicker' ? 2 : k.endsWith('_exact') ? 4 : 3)),
      ]),
    ),
  );
  return parts.join('\n\n');
}
