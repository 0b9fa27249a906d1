import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateWebhookSecret } from '@reelrestore/shared/webhooks/sign-webhook';
import { errorMessage } from '@reelrestore/shared/errors';
import { runDemo } from './demo-command.js';
import { restore } from './restore-command.js';

const HELP = `reelrestore — restore scanned film: find dust, dirt, hairs and scratches, repaint only those pixels.

Usage:
  reelrestore restore <video file | folder of frames> --out <dir> [options]
      Restores locally on the embedded defaults (private redis-server, storage in ./data),
      or, with --api and --key, on a running reelrestore service.
      --api URL          submit to this service instead of running locally
      --key KEY          API key for --api (or REELRESTORE_API_KEY)
      --chunk N          frames per chunk (default 32)
      --format F         video output: ffv1 (lossless MKV, default) or prores4444
      --data DIR         local mode: where the private Redis and store live (default ./data/local)
  reelrestore demo [--out DIR] [--serve]
      Makes a short damaged sample clip, restores it, and prints where to look.
      --serve            then keep the local service running, and print the console's URL and key, until Ctrl-C
  reelrestore keygen <tenant>
      Prints a new API key, the API_KEYS entry that accepts it, and a webhook secret.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'restore': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          out: { type: 'string', short: 'o' },
          api: { type: 'string' },
          key: { type: 'string' },
          chunk: { type: 'string' },
          format: { type: 'string' },
          data: { type: 'string' },
          quiet: { type: 'boolean', short: 'q' },
        },
      });
      const input = positionals[0];
      if (!input || !values.out) return usage('restore needs <input> and --out <dir>');
      if (values.format && values.format !== 'ffv1' && values.format !== 'prores4444') return usage('--format is ffv1 or prores4444');
      const chunk = values.chunk ? Number(values.chunk) : undefined;
      if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 4 || chunk > 256)) return usage('--chunk is an integer from 4 to 256');
      const key = values.key ?? process.env.REELRESTORE_API_KEY;
      if (values.api && !key) return usage('--api needs --key (or REELRESTORE_API_KEY)');
      const result = await restore({
        input,
        out: values.out,
        dataDir: values.data ?? 'data/local',
        ...(values.api ? { api: values.api } : {}),
        ...(key ? { key } : {}),
        ...(chunk ? { chunkFrames: chunk } : {}),
        ...(values.format ? { format: values.format as 'ffv1' | 'prores4444' } : {}),
        ...(values.quiet ? { quiet: true } : {}),
      });
      const share = result.reel.progress.framesTotal ? (result.reel.damagedPixels / (result.reel.progress.framesTotal * (result.reel.media?.width ?? 1) * (result.reel.media?.height ?? 1))) * 100 : 0;
      console.log(`restored ${result.reel.progress.framesTotal} frames (${share.toFixed(3)}% of pixels repainted) into ${values.out}`);
      console.log(`report: ${result.reportPath}`);
      return 0;
    }
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, serve: { type: 'boolean' } } });
      await runDemo(values.out ?? 'data/demo', { serve: values.serve ?? false });
      return 0;
    }
    case 'keygen': {
      const tenant = rest[0];
      if (!tenant || !/^[a-z0-9_-]{1,64}$/i.test(tenant)) return usage('keygen needs a tenant name (letters, digits, _ or -)');
      const key = `rr_${randomBytes(24).toString('base64url')}`;
      console.log(`API key (give to the client, store nowhere else): ${key}`);
      console.log(`API_KEYS entry:      ${tenant}:${createHash('sha256').update(key).digest('hex')}`);
      console.log(`WEBHOOK_SECRETS entry: ${tenant}:${generateWebhookSecret()}`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      return usage(`unknown command "${command}"`);
  }
}

function usage(message: string): number {
  console.error(`reelrestore: ${message}\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`reelrestore: ${errorMessage(err)}`);
    process.exit(1);
  },
);
