// `npm run cli -- <command> …`: Node entry point over src/lib. Each command lives in its own module.
import { argv, exit } from 'node:process';
import { HelpRequested, UsageError } from './common/args';

type Handler = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Handler>> = {
  data: async () => (await import('./data/data')).run,
  train: async () => (await import('./train/train')).run,
  generate: async () => (await import('./generate/generate')).run,
  eval: async () => (await import('./eval/evaluate')).run,
  bench: async () => (await import('../../bench/cli/bench')).run,
  simulate: async () => (await import('./data/simulate')).run,
  'calibrate-time': async () => (await import('./train/calibrateTime')).run,
  checkpoint: async () => (await import('./checkpoint/checkpointConvert')).run,
  tune: async () => (await import('./train/tune')).run,
  export: async () => (await import('./data/exportTorch')).run,
  // study run, study keep, study publish and study schedule: one module each.
  study: async () => async (args) =>
    args[0] === 'keep'
      ? (await import('./study/studyKeep')).run(args)
      : args[0] === 'publish'
        ? (await import('./study/studyPublish')).run(args)
        : args[0] === 'schedule'
          ? (await import('./study/studySchedule')).run(args)
          : (await import('./study/study')).run(args),
  ship: async () => (await import('./study/ship')).run,
  teach: async () => (await import('./teach/teachTelling')).run,
};

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  data stats <dir> [--json]     dataset statistics
  data validate <dir>           validate a HOSER-format dataset (exit 1 on errors)
  data build --src <dir> --out <dir>
                                build the embedded Porto dataset from raw OSM + GPS
  train …                       train the teacher or a student (see: train --help)
  generate …                    generate routes from a checkpoint
  tune --trials N [--json] …    λ/τ/w search: CMA-ES + successive halving on val decision NLL
                                (see: tune --help)
  calibrate-time --checkpoint <ckpt>
                                fit the hop-time scale on val and store it in the checkpoint
  checkpoint convert <in> [--out <file.safetensors>]
                                rewrite a checkpoint (.ckpt or .safetensors) as safetensors
  checkpoint transfer <student> --dataset <dir> --out <file>
                                a student of another road network as a checkpoint of this one
  eval …                        evaluate generated routes
  bench …                       benchmarks (JSON)
  simulate --dataset <dir> --n <N> --seed <s> --out <dir>
                                simulate trips on a real road network (labelled simulated)
  study run <studies/x.json> [--jobs N] [--dry-run]
                                a study (runs, then paired reports), resumable and parallel
  study keep [<studies/x.json> …] [--weights]
                                stage a study's finished runs' logs and reports for git (runs/ is ignored)
  study schedule <label>=<dir>[@seeds] …
                                how runs ended: val NLL per seed, its sd, lr at the end, core-hours
  study publish <studies/x.json>
                                a study's finished comparisons → docs/experiments/runs, public/reports
  teach telling [--city porto|sf]
                                the guided tour's telling examples for a city's shipped checkpoints
                                (public/checkpoints/<city>/telling.json; re-run when they change)
  ship [--city sf] --teacher <ckpt> --vanilla <ckpt> --distilled <ckpt>
                                ship a teacher and a seed pair as the app's models of a city
  export torch --dataset <dir> --out <dir>
                                arrays + manifest for the PyTorch trainer (pytorch/README.md)`;

async function main(): Promise<number> {
  const [cmd, ...rest] = argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const load = commands[cmd];
  if (!load) {
    console.error(`unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  let handler: Handler;
  try {
    handler = await load();
  } catch (e) {
    console.error(`command "${cmd}" is not available in this build: ${(e as Error).message}`);
    return 2;
  }
  return handler(rest);
}

main().then(
  (code) => exit(code),
  (e: unknown) => {
    if (e instanceof HelpRequested) {
      console.log(e.message);
      exit(0);
    }
    console.error(e instanceof Error ? e.message : String(e));
    // A flag the command does not know stops it before any work: a usage error, exit 2.
    exit(e instanceof UsageError ? 2 : 1);
  },
);
