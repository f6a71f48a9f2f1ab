/**
 * `npm run infra:generate [-- --out <dir>]`: writes the infrastructure files that list the
 * services (see scripts/infraFiles.ts) from services/registry.ts, into the repository or,
 * with `--out`, under another directory (what `npm run check:infra` compares them with).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { infraFiles } from './infraFiles';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
if ((outAt >= 0 && !args[outAt + 1]) || args.some((arg, i) => arg !== '--out' && i !== outAt + 1)) {
  process.stderr.write('usage: generate-infra [--out <dir>]\n');
  process.exit(2);
}
const root = outAt >= 0 ? path.resolve(args[outAt + 1]!) : path.resolve(__dirname, '..');
for (const [file, content] of Object.entries(infraFiles())) {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
  process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
}
