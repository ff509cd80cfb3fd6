/** What every bench reports of repeated samples: the best and the typical run, and ratios of medians. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function minMedian(xs: readonly number[], unit: (n: number) => string): string {
  return `${unit(Math.min(...xs))} / ${unit(median(xs))}`;
}

/**
 * Runs every contender `reps` times, interleaved, each repetition starting one contender later (ABC BCA
 * CAB …), so no contender always runs first (cold caches) or right after the same neighbour.
 */
export async function interleaved<T>(
  contenders: readonly string[],
  reps: number,
  run: (contender: string, rep: number) => Promise<T>,
): Promise<Map<string, T[]>> {
  const samples = new Map<string, T[]>(contenders.map((c) => [c, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + rep) % contenders.length];
      samples.get(contender)!.push(await run(contender, rep));
    }
  }
  return samples;
}
