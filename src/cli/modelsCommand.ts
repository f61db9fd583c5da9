// `l2caf models`: the catalogue, and where each model would come from.
import { Command } from 'commander';
import { loadCatalogue } from '../models/catalogue.js';

export function modelsCommand(): Command {
  return new Command('models')
    .description('list the model catalogue')
    .option('--json', 'print the catalogue as JSON')
    .action(async (o: { json?: boolean }) => {
      const cat = await loadCatalogue();
      if (o.json) {
        process.stdout.write(JSON.stringify({ default: cat.default, models: cat.models, samples: cat.samples }, null, 2) + '\n');
        return;
      }
      const w = Math.max(...cat.models.map((m) => m.id.length));
      for (const m of cat.models) {
        const def = m.id === cat.default ? '*' : ' ';
        const size = `${m.inputSize[0]}x${m.inputSize[1]}`;
        const note = m.verified ? '' : '  (unverified: sha256 not recorded)';
        process.stdout.write(`${def} ${m.id.padEnd(w)}  ${m.format.padEnd(12)} ${size.padEnd(8)} layer ${m.defaultLayer}  ${m.name}${note}\n`);
      }
    });
}
