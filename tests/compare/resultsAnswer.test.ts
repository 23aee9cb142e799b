// Compare's answer and `eval results-table` word each comparison the same way, and no line of the
// answer contradicts its interval: checked on the committed reports the app opens on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResultsFile, RESULTS_COLUMNS } from '../../src/lib/eval/resultsTable';
import { contradiction } from '../../src/lib/eval/statsPolicy';
import { cellLine, cityAnswers } from '../../src/ui/compare/resultsAnswer';

const read = (f: string) => parseResultsFile(JSON.parse(readFileSync(f, 'utf8')));
const test = read('public/reports/results.json');
const val = read('public/reports/results-val.json');

describe("Compare's answer on the committed reports", () => {
  it('the app words every cell as eval results-table wrote it', () => {
    let n = 0;
    for (const file of [test, val])
      for (const t of file.cities)
        for (const r of t.rows)
          for (const col of RESULTS_COLUMNS) {
            const e = r.cells[col.key]?.effect;
            if (!e) continue;
            expect(cellLine('x', e, col.key).title, `${t.city} / ${r.label} / ${col.key}`).toBe(e.words);
            n++;
          }
    expect(n).toBeGreaterThan(100);
  });

  it('three answers per shipping city, none contradicting its interval', () => {
    const answers = cityAnswers(test, val);
    expect(answers.map((a) => a.city)).toEqual(['Porto', 'San Francisco']);
    const porto = answers[0];
    expect(porto.ships.distilled).toMatchObject({ name: 'Distilled student', row: 'arm d' });
    expect(porto.ships.distilled?.recipe).toMatch(/LM-TAD teacher's next-road distribution \(KL, λ 0\.10, τ 3\.35\)/);
    expect(porto.ships.vanilla.recipe).toBe('trained on the 1,775 taxi trips alone');
    // Porto's shipped recipe is the one the registered confirmation tests: its endpoints answer, confirmatory.
    expect(porto.vsVanilla?.source).toMatch(/registered confirmation/);
    expect(porto.vsVanilla?.lines.map((l) => l.kind)).toEqual(['confirmatory', 'confirmatory', 'confirmatory']);
    expect(porto.vsVanilla?.lines[0].text).toMatch(/^helps, confirmed: −0\.0107 \[−0\.0144, −0\.0070\]/);
    const sf = answers[1];
    expect(sf.ships.distilled).toBeNull();
    expect(sf.vsVanilla).toBeNull();
    expect(sf.ships.sentence).toBe('no distilled recipe beat vanilla on val');
    expect(sf.vsBaseline?.model).toBe('Vanilla student');
    for (const a of answers)
      for (const line of [...(a.vsVanilla?.lines ?? []), ...(a.vsBaseline ? [a.vsBaseline.line] : [])]) {
        expect(contradiction(line.text), line.text).toBeNull();
        expect(contradiction(`${line.title}: ${line.text.slice(line.text.indexOf('['))}`), line.title).toBeNull();
      }
  });
});
