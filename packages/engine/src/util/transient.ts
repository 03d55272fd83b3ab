/**
 * Lists in a case state are immutable: appending copies. A fold of many events
 * shows only its last state, so the lists it made itself may grow in place, as
 * Clojure's transients do: `owned` holds the arrays created during this fold,
 * which no state outside it has seen. Without `owned` (a single step, as `decide`
 * takes) every change copies. A case with thousands of 补正 rounds replays in
 * linear time instead of copying its growing lists at every event.
 */
export type Owned = Set<object>;

/**
 * The empty list shared by every state that has none yet (most of them): frozen, since
 * folds copy a list (`writable`) before they add to it. One per state would be an array
 * for each open case a server start rebuilds (docs/benchmarks.md, "Durable timers").
 */
export const NONE_YET = Object.freeze([]) as never[];

/** `list` with `item` appended. */
export function appended<T>(list: readonly T[], item: T, owned: Owned | undefined): readonly T[] {
  const target = writable(list, owned);
  target.push(item);
  return target;
}

/** A list this fold may change in place: `list` itself if it owns it, else a copy it now owns. */
export function writable<T>(list: readonly T[], owned: Owned | undefined): T[] {
  if (owned?.has(list)) return list as T[];
  const copy = list.slice();
  owned?.add(copy);
  return copy;
}
