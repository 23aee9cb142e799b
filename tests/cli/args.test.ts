// The command lines written into reports must run again as they are: arguments with spaces or shell
// characters are quoted, plain ones are left alone. Number flags that also take "all".
import { describe, expect, it } from 'vitest';
import { commandLine, flagNumberOrAll, parseArgs } from '../../src/cli/common/args';

describe('commandLine', () => {
  it('quotes what the shell would split or expand, and only that', () => {
    expect(commandLine('eval paired-steps', ['--vanilla', 'a.safetensors,b.safetensors', '--label', 'frac 0.1, λ 0.3'])).toBe(
      "npm run cli -- eval paired-steps --vanilla a.safetensors,b.safetensors --label 'frac 0.1, λ 0.3'",
    );
    expect(commandLine('x', ["it's", '10 %;rm'])).toBe(`npm run cli -- x 'it'\\''s' '10 %;rm'`);
  });

  it('round-trips through parseArgs for a quoted value', () => {
    const args = ['--regimes', 'full data=../runs/full;10 %=../runs/frac10', '--out', 'o.json'];
    expect(parseArgs(args).flags.regimes).toBe('full data=../runs/full;10 %=../runs/frac10');
    expect(commandLine('eval distillation-summary', args)).toContain("'full data=../runs/full;10 %=../runs/frac10'");
  });
});

describe('flagNumberOrAll', () => {
  it('reads "all" as Infinity, a number as itself, and refuses anything else', () => {
    const p = parseArgs(['--test-od', 'all', '--window', '7', '--n', 'some']);
    expect(flagNumberOrAll(p, 'test-od', 5)).toBe(Infinity);
    expect(flagNumberOrAll(p, 'window', 5)).toBe(7);
    expect(flagNumberOrAll(p, 'absent', 5)).toBe(5);
    expect(() => flagNumberOrAll(p, 'n', 5)).toThrow('--n expects a number, got "some"');
  });
});
