/** The shape every benchmark file reports in, and a small timing helper. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target, e.g. '>= 100000' or '<= 5 s', printed next to the figure. */
  readonly target?: string;
  /** Whether the figure meets the target (undefined when there is none). */
  readonly ok?: boolean;
}

export type Bench = () => Promise<BenchFigure[]>;

/** Runs `body` repeatedly for about `ms` milliseconds; returns operations per second. */
export async function rate(body: () => unknown | Promise<unknown>, ms = 1500): Promise<number> {
  for (let i = 0; i < 200; i++) await body();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) await body();
    count += 100;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

export function atLeast(name: string, value: number, unit: string, target: number): BenchFigure {
  return { name, value, unit, target: `>= ${target.toLocaleString('en-US')}`, ok: value >= target };
}

export function atMost(name: string, value: number, unit: string, target: number): BenchFigure {
  return { name, value, unit, target: `<= ${target.toLocaleString('en-US')}`, ok: value <= target };
}
