// `eval pack-reports [--min-kb 200] <report.json> …`: big committed reports gzipped in place
// (<file>.json.gz, the plain file removed), so per-OD reports cost the clone a tenth; every command
// that reads reports reads either form (reportFiles.ts), and a study counts a packed report as made.
import { flagNumber, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { packReports } from './reportFiles';

const USAGE = 'usage: eval pack-reports [--min-kb 200] <report.json> …   (gzips each report of at least --min-kb KB)';

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval pack-reports', USAGE));
  if (p.positional.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const packed = await packReports(p.positional, flagNumber(p, 'min-kb', 200) * 1024);
  for (const r of packed) console.log(`${r.path}.gz: ${(r.bytes / 1024).toFixed(0)} KB → ${(r.gzBytes / 1024).toFixed(0)} KB`);
  console.log(`packed ${packed.length} of ${p.positional.length} reports`);
  return 0;
}
