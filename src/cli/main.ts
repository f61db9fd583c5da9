// `l2caf`: the command line. Each command is its own module; this file wires them and maps
// errors to exit codes (2 bad usage, 1 failure, 130/143 interrupted) with one-line messages.
import { Command, CommanderError } from 'commander';
import { imageCommand } from './imageCommand.js';
import { layersCommand } from './layersCommand.js';
import { modelsCommand } from './modelsCommand.js';
import { volumeCommand } from './volumeCommand.js';
import { videoCommand } from './videoCommand.js';
import { evalCommand } from './evalCommand.js';
import { evalVideoCommand } from './evalVideoCommand.js';
import { serveCommand } from './serveCommand.js';
import { batchCommand, batchExitCode } from './batchCommand.js';
import { batchReportCommand } from './batchReportCommand.js';
import { cacheCommand } from './cacheCommand.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exitCodes.js';
import { UsageError } from '../engine/targets.js';
import { Interrupted } from './interrupt.js';
import { UnknownLayerError } from '../models/layerErrors.js';
import { UnknownBackendError } from '../engine/backend.js';

export function program(): Command {
  const p = new Command('l2caf')
    .description('L2-CAF Studio: where a convolutional network looks (L2-CAF, Grad-CAM, CAM)')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)');
  p.addCommand(imageCommand());
  p.addCommand(layersCommand());
  p.addCommand(modelsCommand());
  p.addCommand(videoCommand());
  p.addCommand(volumeCommand());
  p.addCommand(evalCommand());
  p.addCommand(evalVideoCommand());
  p.addCommand(serveCommand());
  p.addCommand(batchCommand());
  p.addCommand(batchReportCommand());
  p.addCommand(cacheCommand());
  // Make every subcommand throw instead of exiting, so run() decides the exit code.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(p)) c.exitOverride();
  return p;
}

let pipeWatched = false;
/** Standard output failed (other than a reader leaving): the command fails, whatever it did. */
let outputFailed = false;
/**
 * A reader that stops early (`l2caf models | head -1`) closes the pipe: what is left to print then
 * goes nowhere and the command ends as it would, instead of Node's stack trace for the EPIPE. Any
 * other failure to write (a full disk: `> /dev/full`, ENOSPC) is said once, in one line, the rest of
 * the output dropped, and the command fails (exit 1): its output is not all there.
 */
function dropOutputWhenItFails(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    process.stdout.write = (() => true) as typeof process.stdout.write;
    if (e.code === 'EPIPE' || outputFailed) return;
    outputFailed = true;
    process.stderr.write(`l2caf: cannot write to standard output (${e.code ?? e.message}): the output is incomplete\n`);
    // (an error that arrives after run() has answered still fails the command)
    process.exitCode = EXIT_FAILURE;
  });
}

export async function run(argv: string[]): Promise<number> {
  dropOutputWhenItFails();
  try {
    await program().parseAsync(argv, { from: 'user' });
    if (outputFailed) return EXIT_FAILURE;
    // `batch` ends normally with failed items: its exit code says so (1)
    return argv[0] === 'batch' ? batchExitCode() : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit "with an error" of code 0
      if (e.exitCode === 0) return outputFailed ? EXIT_FAILURE : EXIT_OK;
      return EXIT_USAGE; // commander already printed the message
    }
    const msg = (e as Error).message ?? String(e);
    process.stderr.write(`l2caf: ${msg.split('\n')[0]}\n`);
    if (process.env.L2CAF_DEBUG) console.error(e);
    if (e instanceof Interrupted) return e.exitCode;
    // (a --layer the model lacks, or a backend that does not exist, is a bad flag too)
    return e instanceof UsageError || e instanceof UnknownLayerError || e instanceof UnknownBackendError ? EXIT_USAGE : EXIT_FAILURE;
  }
}
