// `l2caf layers`: the model's layers with output shapes, the default marked.
import { Command } from 'commander';
import { addModelOptions, loadFromFlags, type ModelCliOptions } from './modelOptions.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import { checkOutputs, JSON_EXT } from './outputChecks.js';

export function layersCommand(): Command {
  return addModelOptions(new Command('layers'))
    .description('list the layers of a model with their output shapes; * marks the default layer')
    .option('--json <file>', 'write the list as JSON ("-" for stdout)')
    .action(async (o: ModelCliOptions & { json?: string }) => {
      await checkOutputs([o.model], [{ file: o.json, what: 'JSON', extensions: JSON_EXT }]);
      const { model } = await loadFromFlags(o);
      try {
        if (o.json) {
          await writeJsonAtomic(o.json, { model: model.id, defaultLayer: model.defaultLayer, layers: model.layers });
          return;
        }
        const w = Math.max(...model.layers.map((l) => l.name.length));
        for (const l of model.layers) {
          const mark = l.name === model.defaultLayer ? '*' : ' ';
          const shape = l.shape ? `[${l.shape.join(', ')}]` : '?';
          process.stdout.write(`${mark} ${l.name.padEnd(w)}  ${l.type.padEnd(24)} ${shape}${l.spatial ? '' : '  (no spatial extent)'}\n`);
        }
      } finally {
        model.dispose();
      }
    });
}
