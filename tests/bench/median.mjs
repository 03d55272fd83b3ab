// The middle one of a few runs of the same bench piece (one run swings on a shared or noisy host).

/** The item whose `value` is the median (the upper middle of an even count); `items` is not reordered. */
export const medianBy = (items, value = (x) => x) => [...items].sort((a, b) => value(a) - value(b))[Math.floor(items.length / 2)];
