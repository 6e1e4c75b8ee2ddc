/**
 * Keeps the objects whose tags match. Expects pages that already passed the cheap
 * filters, since each object costs one tag request. At most `concurrency` requests
 * are in flight; results are reordered so output pages keep the input's key order
 * (empty output pages are not yielded). A failed fetch is thrown when its turn in
 * key order comes.
 */
export async function* filterWithTags<T extends { key: string }>(
  objects: AsyncIterable<T[]>,
  fetchTags: (key: string) => Promise<Record<string, string>>,
  matches: (tags: Record<string, string>) => boolean,
  concurrency: number,
): AsyncGenerator<T[]> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  // Finished results may wait behind a slow one; this caps how far the reading runs ahead.
  const reorderLimit = concurrency * 4;
  const window: Pending<T>[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let out: T[] = [];

  const start = (object: T, endsPage: boolean): Pending<T> => {
    const pending: Pending<T> = { object, endsPage, state: 'fetching' };
    inFlight++;
    // State and counter change together so the window never holds a finished item that still counts as in flight.
    const settle = (state: Pending<T>['state'], error?: unknown) => {
      pending.state = state;
      pending.error = error;
      inFlight--;
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    Promise.resolve()
      .then(() => fetchTags(object.key))
      .then((tags) => matches(tags))
      .then(
        (ok) => settle(ok ? 'matched' : 'skipped'),
        (error: unknown) => settle('failed', error),
      );
    return pending;
  };
  const settled = () => new Promise<void>((resolve) => (wake = resolve));
  /** Takes the head of the window; returns a page when the head closes one. */
  const takeHead = (): T[] | undefined => {
    const head = window.shift()!;
    if (head.state === 'failed') throw head.error;
    if (head.state === 'matched') out.push(head.object);
    if (!head.endsPage || out.length === 0) return undefined;
    const page = out;
    out = [];
    return page;
  };

  for await (const page of objects) {
    for (let i = 0; i < page.length; i++) {
      while (inFlight >= concurrency || window.length >= reorderLimit) {
        if (window[0]!.state === 'fetching') await settled();
        else {
          const done = takeHead();
          if (done) yield done;
        }
      }
      window.push(start(page[i]!, i === page.length - 1));
      while (window.length > 0 && window[0]!.state !== 'fetching') {
        const done = takeHead();
        if (done) yield done;
      }
    }
  }
  while (window.length > 0) {
    if (window[0]!.state === 'fetching') await settled();
    else {
      const done = takeHead();
      if (done) yield done;
    }
  }
}

interface Pending<T> {
  object: T;
  endsPage: boolean;
  state: 'fetching' | 'matched' | 'skipped' | 'failed';
  error?: unknown;
}
