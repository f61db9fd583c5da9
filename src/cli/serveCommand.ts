// `l2caf serve`: the app in the browser mode. Starts the service and the local server on
// 127.0.0.1 (random port unless --port), prints the one-time sign-in address, and runs until Ctrl-C/SIGTERM, when
// jobs are cancelled (no ffmpeg or worker left behind) and the server closes.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createService } from '../service/service.js';
import { startServer } from '../server/server.js';
import { intArg } from './options.js';

/** dist/renderer beside dist/cli (the built renderer). */
export function defaultRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
}

export interface ServeOptions {
  port?: number;
  dataDir?: string;
  static?: string;
  workers?: number;
  sample?: boolean;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the app in the browser mode: a local server on 127.0.0.1 (prints the address)')
    .option('--port <n>', 'port (default: a free one)', intArg(0, 65535))
    .option('--data-dir <dir>', 'recent files, uploads and exports (default: ~/.local/share/l2caf-studio, env L2CAF_DATA_DIR)')
    .option('--static <dir>', 'the built renderer (default: dist/renderer)')
    .option('--workers <n>', 'backbone worker threads for video and volume jobs (default: the number of cores)', intArg(0, 64))
    .option('--sample', 'the printed address opens the sample clip with the default model')
    .action(async (o: ServeOptions) => {
      const staticDir = path.resolve(o.static ?? defaultRendererDir());
      if (!existsSync(path.join(staticDir, 'index.html'))) {
        throw new Error(`${staticDir}: the renderer is not built (no index.html): run npm run build:renderer`);
      }
      const service = createService({ host: 'web', dataDir: o.dataDir, workers: o.workers });
      const server = await startServer({ service, staticDir, port: o.port });
      // The sign-in URL carries a one-time token: it goes to this user's terminal only (THREATS.md).
      process.stdout.write(`L2-CAF Studio (browser mode): open ${server.signInUrl}${o.sample ? '#sample' : ''}\n`);
      process.stdout.write('(the link signs in one browser once; restart l2caf serve for another)\n');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(() => service.dispose()).finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
