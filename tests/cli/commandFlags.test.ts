import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { HelpRequested, UsageError, helpText, nearestFlag, parseArgs } from '../../src/cli/common/args';
import { COMMAND_FLAGS, commandDecl, type CommandName } from '../../src/cli/common/commandFlags';
import { projectDocs } from '../docs/markdownDocs';
import { filesUnder } from '../filesUnder';

// Every command refuses what it does not know, before any work; its help comes from its declaration;
// and the declarations cover every flag the commands read and every command line the repository
// documents or runs.
const NAMES = Object.keys(COMMAND_FLAGS) as CommandName[];

/** Which module reads which command's flags (a module may serve several commands). */
const MODULES: Record<string, CommandName[]> = {
  'train.ts': ['train teacher', 'train student'],
  'tune.ts': ['tune'],
  'studentFlags.ts': ['train student', 'tune'],
  'generate.ts': ['generate'],
  'evaluate.ts': ['eval', 'eval report'],
  'evalSteps.ts': ['eval steps'],
  'evalPaired.ts': ['eval paired-steps'],
  'evalPairedReport.ts': ['eval paired-report'],
  'evalPairedSearch.ts': ['eval paired-search'],
  'evalRegisteredRoutes.ts': ['eval registered-routes'],
  'evalRegisteredLong.ts': ['eval registered-long'],
  'evalBaselines.ts': ['eval baselines'],
  'evalDistillationSummary.ts': ['eval distillation-summary'],
  'evalResultsTable.ts': ['eval results-table'],
  'evalLengthStrata.ts': ['eval length-strata'],
  'evalPackReports.ts': ['eval pack-reports'],
  'studySchedule.ts': ['study schedule'],
  'routePack.ts': ['eval pack-routes', 'eval unpack-routes'],
  'data.ts': ['data stats', 'data validate'],
  'dataBuild.ts': ['data build'],
  'dataMatch.ts': ['data match'],
  'bench.ts': ['bench'],
  'simulate.ts': ['simulate', 'simulate timings'],
  'calibrateTime.ts': ['calibrate-time'],
  'checkpointConvert.ts': ['checkpoint'],
  'exportTorch.ts': ['export torch'],
  'study.ts': ['study run'],
  'studyKeep.ts': ['study keep'],
  'studyPublish.ts': ['study publish'],
  'ship.ts': ['ship'],
};

describe('CLI flags', () => {
  it('every command refuses an unknown flag, naming the nearest known one', () => {
    for (const name of NAMES) {
      const decl = commandDecl(name, 'usage');
      expect(() => parseArgs(['--no-such-flag-anywhere'], decl), name).toThrow(UsageError);
      const some = Object.keys(decl.flags)[0];
      if (!some) continue;
      // One letter dropped from a real flag: refused, with the real one suggested.
      const typo = some.length > 3 ? some.slice(0, -1) + 'x' : `${some}x`;
      expect(() => parseArgs([`--${typo}`], decl), name).toThrow(new RegExp(`unknown flag --${typo}; did you mean --`));
    }
    expect(nearestFlag('beams', ['beam', 'batch'])).toBe('beam');
    expect(nearestFlag('jsn', ['json', 'out'])).toBe('json');
    expect(nearestFlag('zzzzzz', ['json', 'out'])).toBeNull();
  });

  it('types are checked: a number flag refuses text, a boolean refuses a value, a value flag needs one', () => {
    const d = commandDecl('generate', 'u');
    expect(() => parseArgs(['--beam', 'four'], d)).toThrow(/--beam expects a number/);
    expect(() => parseArgs(['--out'], d)).toThrow(/--out needs a value/);
    const s = commandDecl('data stats', 'u');
    // A boolean never eats the positional after it.
    expect(parseArgs(['--json', 'public/data/porto'], s)).toEqual({ positional: ['public/data/porto'], flags: { json: true } });
    expect(() => parseArgs(['--json=yes'], s)).toThrow(/takes no value/);
    expect(parseArgs(['--window', 'all'], commandDecl('train student', 'u')).flags.window).toBe('all');
  });

  it('--help is generated from the declaration and lists every flag', () => {
    for (const name of NAMES) {
      const decl = commandDecl(name, `usage of ${name}`);
      const text = helpText(decl);
      for (const f of Object.keys(decl.flags)) expect(text, `${name} --${f}`).toMatch(new RegExp(`--${f}(\\s|$)`, 'm'));
      expect(() => parseArgs(['--help'], decl)).toThrow(HelpRequested);
    }
  });

  it('every flag a command reads is declared', () => {
    const read = /flag(?:String|Number|NumberOrAll)\(p, '([a-z0-9-]+)'|p\.flags(?:\.([a-zA-Z]+)|\['([a-z0-9-]+)'\])/g;
    // The commands are grouped in folders by family (src/cli/<family>/<module>.ts; bench's in bench/cli/,
    // with every benchmark); MODULES names them by file.
    const paths = ['src/cli', 'bench/cli'].flatMap((dir) => filesUnder(dir, '.ts'));
    for (const path of paths) {
      const file = path.split('/').pop() ?? path;
      const cmds = MODULES[file];
      const src = readFileSync(path, 'utf8');
      const names = new Set([...src.matchAll(read)].map((m) => m[1] ?? m[2] ?? m[3]).filter((n) => n !== 'help' && n !== 'h'));
      if (!cmds) {
        // A module that parses flags must be in the table above.
        expect(src.includes('parseArgs(args, commandDecl(') ? file : null, `${file} parses flags: add it to MODULES`).toBeNull();
        continue;
      }
      const declared = new Set(cmds.flatMap((c) => Object.keys(COMMAND_FLAGS[c])));
      // train.ts reads the student flags through hyperFromFlags, which tune shares.
      for (const n of names) expect(declared.has(n), `${file} reads --${n}`).toBe(true);
    }
  });

  it('every command line the repository runs or documents parses', () => {
    const texts = [
      ...projectDocs(),
      'package.json',
      ...readdirSync('scripts')
        .filter((f) => f.endsWith('.sh'))
        .map((f) => `scripts/${f}`),
    ];
    let checked = 0;
    for (const file of texts) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:npm run (?:--silent )?cli --|tsx src\/cli\/main\.ts) ([^\n`|>&;)]+)/g)) {
        const words = m[1]
          .trim()
          .split(/\s+/)
          .map((w) => w.replace(/^["']|["']$/g, ''));
        // Usage synopses ([--flag …]) and placeholders are not command lines.
        if (words.some((w) => w.startsWith('[') || w.includes('…') || w.includes('<') || /^[A-Z]+(\/[A-Z]+)?$/.test(w))) continue;
        const [cmd, sub] = words;
        const name = ([`${cmd} ${sub}`, cmd] as string[]).find((n): n is CommandName => n in COMMAND_FLAGS);
        if (!name) continue;
        // A shell variable stands for a value here (a number works for every kind); a line break goes.
        const rest = words
          .slice(name.split(' ').length)
          .filter((w) => w !== '\\')
          .map((w) => (w.includes('$') ? '1' : w));
        expect(() => parseArgs(rest, commandDecl(name, 'u')), `${file}: ${m[1].trim()}`).not.toThrow(UsageError);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('the study queue’s training line parses as written', () => {
    const line =
      'student --epochs 40 --patience 3 --max-len 512 --batch 16 --micro 16 --quiet --resume --dataset public/data/porto --mode distilled --teacher-target uniform --lambda 0.10385718648105681 --tau 3.3508482790284706 --window 8 --kl-mask-last 10 --seed 1 --out runs/x/.tmp-distilled-s1.safetensors';
    const p = parseArgs(line.split(' '), commandDecl('train student', 'u'));
    expect(p.positional).toEqual(['student']);
    expect(p.flags['teacher-target']).toBe('uniform');
    expect(p.flags.resume).toBe(true);
  });
});
