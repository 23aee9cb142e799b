// The shipped distilled student is the one the ship rule chose: the rule's pick in the committed val
// table (public/reports/results-val.json) names an arm of studies/results.json, and that arm's run of
// the shipped seed has the shipped checkpoint's exact settings. Catches a table whose rule picks one
// arm while the app ships another (as when a vanilla-on-more-data control was briefly picked).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VANILLA_LABEL } from '../../src/lib/eval/resultsTable';

interface Spec {
  cities: Array<{ city: string; title?: string; vanillaLabel?: string; arms: Array<{ label: string; dir: string | string[] }> }>;
}
interface StepsFile {
  vanilla: Array<{ seed: number; checkpoint: string }>;
}
interface ValFile {
  ship?: Array<{ city: string; chosen: string | null; vanilla?: { label: string; table?: string } }>;
}
const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('the shipped pair follows the ship rule', () => {
  const spec = json<Spec>('studies/results.json');
  const val = json<ValFile>('public/reports/results-val.json');
  const decisions = val.ship ?? [];

  it('the val table decides for every shipping city', () => {
    expect(decisions.map((d) => d.city)).toEqual(expect.arrayContaining(['Porto', 'San Francisco']));
  });

  // The vanilla slot: where a table names another no-teacher recipe as its partner (the route
  // features, the final recipe), the shipped vanilla student is that recipe's run of the shipped seed.
  for (const d of decisions.filter((x) => x.vanilla && x.vanilla.label !== VANILLA_LABEL)) {
    it(`${d.city}: the shipped vanilla student is a run of "${d.vanilla!.label}"`, () => {
      const city = spec.cities.find((c) => (c.title ?? c.city) === d.city)!;
      const shipped = json<{ seed: number; hyper: Record<string, unknown> }>(`public/checkpoints/${city.city}/vanilla.log.json`);
      expect(shipped.seed).toBe(1);
      let log: string;
      if (!d.vanilla!.table && city.vanillaLabel === d.vanilla!.label) {
        // The table's own partner row (Porto's final recipe): the run its first arm was paired with on val.
        const dir = [city.arms[0].dir].flat()[0];
        const partner = json<StepsFile>(`${dir}/paired-steps-val.json`).vanilla.find((v) => v.seed === shipped.seed);
        expect(partner, `seed ${shipped.seed} in ${dir}/paired-steps-val.json`).toBeDefined();
        log = partner!.checkpoint.replace(/\.safetensors$/, '.log.json');
      } else {
        // An arm of the table the decision names (SF's route features).
        const tables = spec.cities.filter((c) => (c.title ?? c.city) === d.vanilla!.table);
        const arm = tables.flatMap((c) => c.arms).find((a) => a.label === d.vanilla!.label);
        expect(arm, `${d.vanilla!.label} as an arm of "${d.vanilla!.table}"`).toBeDefined();
        log = `${[arm!.dir].flat()[0]}/vanilla-s${shipped.seed}.log.json`;
      }
      const run = json<{ seed: number; hyper: Record<string, unknown> }>(log);
      expect(run.seed).toBe(shipped.seed);
      expect(run.hyper).toEqual(shipped.hyper);
    });
  }

  for (const d of decisions.filter((x) => x.chosen !== null)) {
    it(`${d.city}: the shipped distilled student is a run of "${d.chosen}"`, () => {
      const city = spec.cities.find((c) => (c.title ?? c.city) === d.city);
      expect(city, d.city).toBeDefined();
      const arm = city!.arms.find((a) => a.label === d.chosen);
      expect(arm, `${d.chosen} in studies/results.json`).toBeDefined();
      const shipped = json<{ seed: number; hyper: Record<string, unknown> }>(`public/checkpoints/${city!.city}/distilled.log.json`);
      const dir = Array.isArray(arm!.dir) ? arm!.dir[0] : arm!.dir;
      // A vanilla-mode arm has no distilled run of that seed: reading it fails, as it should.
      const run = json<{ seed: number; hyper: Record<string, unknown> }>(`${dir}/distilled-s${shipped.seed}.log.json`);
      expect(run.hyper).toEqual(shipped.hyper);
    });
  }
});
