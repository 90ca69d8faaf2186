import { runRandom } from '/work/main/sim/run/random.ts';
import { resolveSimDriver } from '/work/main/sim/drivers/registry.ts';
const d = await resolveSimDriver('model');
let steps = 0; const t0 = performance.now();
for (let seed = 1; seed <= 150; seed++) steps += runRandom({ driver: d, seed, steps: 2000, faults: [] }).steps;
console.log('steps/s', Math.round(steps / (performance.now() - t0) * 1000));
