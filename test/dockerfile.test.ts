/**
 * The Dockerfile read as `docker build` reads it (this machine has no Docker to build it): every base image
 * pinned, Node on its LTS line, nothing piped from the network into a shell, the TypeScript compiled in a
 * build stage and run as JavaScript, and the GPU image given onnxruntime-node's CUDA provider at build time.
 * test/runtime-build.test.ts runs the compiled layout the build stage makes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_WORKER_GLIBC_TUNABLES } from '@reelrestore/shared/workers/malloc-tunables';

const ROOT = resolve(import.meta.dirname, '..');
/** The Node line the images run: the LTS line (the tests on this machine still run on Node 20; engines allows both). */
const NODE_LTS_MAJOR = 26;
/** The build targets compose and the manifests use, each a final stage. */
const TARGETS = ['api', 'pipeline-worker', 'segment-worker', 'inpaint-worker', 'inpaint-worker-gpu'];

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  /** The image or earlier stage it starts from, ARGs filled in. */
  from: string;
  name: string | undefined;
  steps: Instruction[];
}

/** Instructions with their continuation lines joined and comments left out, as the builder reads them. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/.exec(full)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

/** Stages, with the global ARGs (those before the first FROM) substituted in FROM lines by their defaults. */
function stages(text: string): Stage[] {
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.op === 'ARG' && out.length === 0) {
      const [k, v] = ins.args.split('=');
      args[k!] = v ?? '';
    } else if (ins.op === 'FROM') {
      const words = ins.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      const from = words[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => {
        const name = (a ?? b) as string;
        if (!(name in args)) throw new Error(`FROM uses ${name}, which has no global ARG default`);
        return args[name]!;
      });
      out.push({ from, name: words[1]?.toUpperCase() === 'AS' ? words[2] : undefined, steps: [] });
    } else {
      out.at(-1)?.steps.push(ins);
    }
  }
  return out;
}

const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
const all = stages(dockerfile);
const stageNames = new Set(all.map((s) => s.name).filter(Boolean));
const images = all.filter((s) => !stageNames.has(s.from));
const stage = (name: string) => all.find((s) => s.name === name)!;
/** A stage and the stages it is built on, itself first. */
const lineage = (name: string): Stage[] => {
  const s = stage(name);
  return stageNames.has(s.from) ? [s, ...lineage(s.from)] : [s];
};
const runs = (s: Stage) => s.steps.filter((i) => i.op === 'RUN').map((i) => i.args);
/** The environment a target's containers start with: the ENV lines (key=value form) of its lineage, later ones winning. */
const envOf = (name: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const s of lineage(name).reverse()) {
    for (const i of s.steps) if (i.op === 'ENV') for (const [, k, v] of i.args.matchAll(/(\w+)=(\S*)/g)) env[k!] = v!;
  }
  return env;
};

describe('the Dockerfile', () => {
  it('has every target compose and the manifests build', () => {
    for (const t of TARGETS) expect(stage(t), t).toBeDefined();
  });

  it('pins every base image to a version tag (no :latest, no bare name)', () => {
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const { from } of images) {
      // name[:tag][@sha256:digest]; a digest pins it too.
      const m = /^([a-z0-9./_-]+)(?::([\w.-]+))?(@sha256:[0-9a-f]{64})?$/.exec(from);
      expect(m, from).not.toBeNull();
      const [, , tag, digest] = m!;
      expect(tag ?? digest, `${from} is not pinned`).toBeDefined();
      if (tag) {
        expect(tag, from).not.toBe('latest');
        // A version: at least major.minor, not a moving name (lts, current, slim alone).
        expect(tag, `${from}: a version tag`).toMatch(/^v?\d+\.\d+/);
      }
    }
  });

  it(`runs Node ${NODE_LTS_MAJOR} (LTS) in every image, the GPU image's Node copied from the same pinned image`, () => {
    const node = images.filter((s) => /^(docker\.io\/)?(library\/)?node:/.test(s.from));
    expect(node.length).toBeGreaterThan(0);
    for (const s of node) expect(s.from, s.name).toMatch(new RegExp(`^(docker\\.io/)?(library/)?node:${NODE_LTS_MAJOR}\\.\\d+\\.\\d+`));
    // Each final target starts from a Node image, or copies node from a stage that is one.
    for (const t of TARGETS) {
      const base = lineage(t).at(-1)!;
      if (node.includes(base)) continue;
      const copied = lineage(t)
        .flatMap((s) => s.steps)
        .filter((i) => i.op === 'COPY' && /\/bin\/node\b/.test(i.args))
        .map((i) => /--from=(\S+)/.exec(i.args)?.[1]);
      expect(copied.length, `${t} has Node`).toBeGreaterThan(0);
      for (const from of copied) expect(node.map((s) => s.name), `${t} copies node from ${from}`).toContain(from);
    }
  });

  it('pipes nothing from the network into a shell', () => {
    for (const s of all) {
      for (const run of runs(s)) {
        expect(run, s.name).not.toMatch(/\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(-\S+\s+)*(ba|da|z)?sh\b/);
        expect(run, s.name).not.toMatch(/\b(ba|z)?sh\s+-c\s+["']?\$\((curl|wget)/);
      }
    }
    expect(dockerfile).not.toMatch(/^\s*ADD\s+https?:/im);
  });

  it('compiles the TypeScript in a build stage, and runs JavaScript with plain node in every target', () => {
    const build = all.filter((s) => runs(s).some((r) => /\btsc\b.*-p\s+tsconfig\.build\.json/.test(r)));
    expect(build.map((s) => s.name)).toHaveLength(1);
    const buildName = build[0]!.name!;
    for (const t of TARGETS) {
      expect(lineage(t).map((s) => s.name), `${t} is not the build stage`).not.toContain(buildName);
      const cmd = lineage(t)
        .flatMap((s) => s.steps)
        .filter((i) => i.op === 'CMD')[0];
      expect(cmd, `${t} has a CMD`).toBeDefined();
      const argv = JSON.parse(cmd!.args) as string[];
      expect(argv[0], t).toBe('node');
      expect(argv.join(' '), t).not.toMatch(/tsx|\.ts\b/);
      expect(argv.at(-1), t).toMatch(/\.js$/);
      // The compiled code comes from the build stage.
      const copies = lineage(t)
        .flatMap((s) => s.steps)
        .filter((i) => i.op === 'COPY' && i.args.includes(`--from=${buildName}`));
      expect(copies.length, `${t} copies from ${buildName}`).toBeGreaterThan(0);
    }
  });

  it("gives the GPU image NVIDIA's CUDA runtime with cuDNN and onnxruntime-node's CUDA provider, installed at build time", () => {
    const gpu = lineage('inpaint-worker-gpu');
    expect(gpu.at(-1)!.from).toMatch(/^(docker\.io\/)?nvidia\/cuda:12\.[\d.]+-cudnn\S*-runtime-/);
    // The npm package is CPU-only (the repo's .npmrc skips its download): the provider is fetched here.
    const install = gpu.flatMap(runs).find((r) => /onnxruntime-node/.test(r) && /script\/install/.test(r));
    expect(install, 'a RUN installs the CUDA provider').toBeDefined();
    expect(install).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|--onnxruntime-node-install=cuda12/);
    const env = gpu.flatMap((s) => s.steps).filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/INPAINT_DEVICE=cuda/);
  });

  it('leaves onnxruntime-node out of the images that run no model (the API and the pipeline worker)', () => {
    /** The build-stage folders a target's stages copy its app from. */
    const appFolders = (t: string) =>
      lineage(t)
        .flatMap((s) => s.steps)
        .filter((i) => i.op === 'COPY' && /--from=build\b/.test(i.args))
        .map((i) => i.args.split(/\s+/).filter((w) => !w.startsWith('--'))[0]!);
    const removed = (folder: string) => runs(stage('build')).some((r) => r.includes(`rm -rf ${folder}/node_modules/onnxruntime-node`));
    for (const t of ['api', 'pipeline-worker']) {
      const folders = appFolders(t).filter((f) => f.startsWith('/runtime'));
      expect(folders, t).toHaveLength(1);
      expect(removed(folders[0]!), `${t}'s ${folders[0]} holds onnxruntime-node`).toBe(true);
    }
    for (const t of ['segment-worker', 'inpaint-worker', 'inpaint-worker-gpu']) {
      for (const f of appFolders(t).filter((f) => f.startsWith('/runtime'))) expect(removed(f), `${t} needs onnxruntime-node`).toBe(false);
    }
  });

  it("starts the model workers with glibc's allocator told to reuse large buffers (malloc-tunables.ts), and only them", () => {
    for (const t of ['segment-worker', 'inpaint-worker', 'inpaint-worker-gpu']) expect(envOf(t).GLIBC_TUNABLES, t).toBe(MODEL_WORKER_GLIBC_TUNABLES);
    for (const t of ['api', 'pipeline-worker']) expect(envOf(t).GLIBC_TUNABLES, t).toBeUndefined();
  });

  it('runs every target as a non-root user', () => {
    for (const t of TARGETS) {
      const users = lineage(t)
        .reverse()
        .flatMap((s) => s.steps)
        .filter((i) => i.op === 'USER');
      expect(users.at(-1)?.args, t).toMatch(/^[1-9]\d*(:\d+)?$|^(?!root)[a-z_][a-z0-9_-]*$/);
    }
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  /** A pattern as a RegExp over context paths: `*` within a name, `**\/` for any folders; a folder takes what is under it. */
  const patternRe = (p: string) => {
    const parts = p.split('/').map((part) => (part === '**' ? '\0' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')));
    return new RegExp(`^${parts.join('/').replace(/\0\//g, '(.*/)?')}(/.*)?$`);
  };
  const ignored = (path: string) => patterns.some((p) => patternRe(p).test(path));

  it('keeps out installed modules, build outputs, git and secrets', () => {
    for (const p of ['node_modules', 'packages/shared/node_modules', 'console/dist', '.git', '.env', 'secrets.env', 'data/store']) expect(ignored(p), p).toBe(true);
  });

  it('keeps in everything the Dockerfile copies from the context', () => {
    const sources = all
      .flatMap((s) => s.steps)
      .filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
    expect(sources).toContain('package-lock.json');
    for (const src of sources) expect(ignored(src.replace(/\/$/, '')), src).toBe(false);
  });
});
