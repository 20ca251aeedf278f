// Which rows a map of a large job shows: every problem row first (they are what a user looks for),
// then OK rows spread evenly over the job, never more than the limit in all.

/**
 * Picks `slots` of `total` items evenly, in one pass and without knowing which items come: item i
 * (0-based, in order) is taken when ⌈(i+1)·slots/total⌉ > ⌈i·slots/total⌉. Exactly `slots` items
 * are taken (all of them when slots ≥ total), the first among them, and the gaps between two taken
 * items differ by at most one.
 */
export class EvenPicker {
  private seen = 0;
  private readonly slots: number;

  constructor(
    private readonly total: number,
    slots: number,
  ) {
    this.slots = Math.max(0, Math.min(slots, total));
  }

  /** Whether the next item is taken. Past `total` items, none is. */
  next(): boolean {
    const i = this.seen++;
    if (i >= this.total || this.slots === 0) return false;
    return Math.ceil(((i + 1) * this.slots) / this.total) > Math.ceil((i * this.slots) / this.total);
  }
}

/** The two pickers of one job: problem rows first, the OK rows in the room left. */
export interface SamplePlan {
  problems: EvenPicker;
  ok: EvenPicker;
  /** More rows than `limit`: the points are a sample. */
  sampled: boolean;
}

export function planSample(counts: { ok: number; problems: number }, limit: number): SamplePlan {
  const problemSlots = Math.min(counts.problems, limit);
  const okSlots = Math.min(counts.ok, limit - problemSlots);
  return {
    problems: new EvenPicker(counts.problems, problemSlots),
    ok: new EvenPicker(counts.ok, okSlots),
    sampled: counts.ok + counts.problems > limit,
  };
}
