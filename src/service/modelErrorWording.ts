// The app's wording of a model that cannot be loaded. The engine's messages end with command-line
// advice (environment variables, --model DIR, --allow-unverified) that a window user cannot act
// on; the app says which control to use instead. The CLI keeps the engine's messages.
import { describeNetworkError } from '../models/download.js';
import type { ModelResolveError } from '../models/resolve-errors.js';

/** Where the view asks for a model: the video panel's Model menu, or a scan's model text field. */
export type ModelChoice = 'menu' | 'field';

const ADVICE: Record<ModelChoice, { another: string; folder: string }> = {
  menu: {
    another: 'choose another model in the Model menu',
    folder: 'open a folder holding it with "Model folder…" in the Model menu',
  },
  field: {
    another: 'type another model in the model field (empty: the default model)',
    folder: 'type the path of a folder holding it in the model field',
  },
};

/** Pure: the message the app shows for `e`, or null when the engine's message reads well in the app. */
export function appModelMessage(e: ModelResolveError, where: ModelChoice = 'menu'): string | null {
  const id = e.model ?? 'the model';
  const a = ADVICE[where];
  switch (e.code) {
    case 'OFFLINE':
      return `${id} is not on this computer and cannot be downloaded now (offline or downloads are off): ${a.another}, or ${a.folder}`;
    case 'MIRROR_ONLY':
      return `${id} has no public download and is not on this computer: ${a.folder}, or ${a.another}`;
    case 'NETWORK':
      return `${id} could not be downloaded (${describeNetworkError(e.cause)}): check the internet connection and try again, ${a.another}, or ${a.folder}`;
    case 'UNVERIFIED':
      return `${id} cannot be checked (the catalogue has no checksums for its files), so the app does not use it: ${a.another}, or ${a.folder}`;
    default: {
      // any other message that still carries command-line advice loses that clause
      const cleaned = e.message.replace(/\s*\((?:set|pass) [^)]*(?:L2CAF_|--)[^)]*\)/g, '');
      return cleaned === e.message ? null : cleaned;
    }
  }
}
