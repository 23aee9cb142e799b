// The student's route inputs from the flags `train student` and `export torch` share, so the two
// build the same spec from the same flags.
import { flagString, type ParsedArgs } from './args';
import { markovLengthChain } from '../../lib/generate/baselines';
import { ROUTE_SPEEDS, type RouteFeatureSpec, type RouteSpeeds } from '../../lib/data/remainingTimes';

/**
 * The route inputs the flags ask for (`--route-features`, `--route-speeds`, `--route-markov`,
 * `--route-zone-plan`; any of them turns the time-left inputs on), or undefined: what `train
 * student` builds its student on and `export torch` writes. `datasetName` picks the city's
 * val-chosen Markov + length chain.
 */
export function routeFeaturesFromFlags(p: ParsedArgs, datasetName: string): RouteFeatureSpec | undefined {
  const markov = p.flags['route-markov'] === true;
  const zonePlan = p.flags['route-zone-plan'] === true;
  if (p.flags['route-features'] !== true && !markov && !zonePlan && p.flags['route-speeds'] === undefined) return undefined;
  return {
    speeds: routeSpeedsFlag(flagString(p, 'route-speeds', 'free-flow')),
    ...(markov ? { markov: markovLengthChain(datasetName) } : {}),
    ...(zonePlan ? { zonePlan: true } : {}),
  };
}

function routeSpeedsFlag(v: string): RouteSpeeds {
  const s = ROUTE_SPEEDS.find((x) => x === v);
  if (!s) throw new Error(`--route-speeds must be one of ${ROUTE_SPEEDS.join(', ')} (got ${v})`);
  return s;
}
