/**
 * "Did you mean" suggestions for unknown task names, config keys and options.
 */

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment): `memroy` is one typo away from `memory`, not two.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, or undefined when nothing is plausibly what the user meant. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Past a third of the length the "suggestion" is noise rather than a typo fix ("bb" is not "a"),
  // and a suggestion must keep at least one letter of the input ("b" is not "a" either).
  const plausible = bestDistance <= Math.max(1, Math.floor(input.length / 3)) && bestDistance < input.length;
  return plausible ? best : undefined;
}
