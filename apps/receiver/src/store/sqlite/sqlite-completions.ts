// completions queued one after another in a group commit go as one UPDATE: a handler's event is done in
// a burst with its neighbours', and one statement over a json list costs far less than one per event

export interface Completion {
  id: string;
  leaseToken: string;
  /** iso time */
  at: string;
}

export interface CompletionBatches {
  /** true when the event was still this lease's and is now processed */
  complete(completion: Completion): Promise<boolean>;
  /** another write was queued: later completions go in a later statement, so writes keep their order */
  cut(): void;
}

/**
 * `write`: the store's group commit (its closure may run twice, once in a batch that rolls back);
 * `completeAll`: one statement completing a json list of `[id, leaseToken, at]`, returning the ids done
 */
export function createCompletionBatches(
  write: <T>(run: () => T) => Promise<T>,
  completeAll: (list: string) => readonly { id: string }[],
): CompletionBatches {
  interface Batch {
    items: Completion[];
    ids: Set<string>;
    done: Promise<Set<string>>;
  }
  let open: Batch | undefined;

  function start(): Batch {
    const items: Completion[] = [];
    const batch: Batch = {
      items,
      ids: new Set(),
      done: write(() => {
        // running: nothing joins it any more
        if (open === batch) open = undefined;
        const list = JSON.stringify(items.map((item) => [item.id, item.leaseToken, item.at]));
        return new Set(completeAll(list).map((row) => row.id));
      }),
    };
    // a write refused before it ran (a closed store) must not keep collecting
    batch.done.catch(() => {
      if (open === batch) open = undefined;
    });
    return batch;
  }

  return {
    complete(completion) {
      // results are told apart by id: a second completion of one id goes in the next statement
      if (!open || open.ids.has(completion.id)) open = start();
      const batch = open;
      batch.items.push(completion);
      batch.ids.add(completion.id);
      return batch.done.then((done) => done.has(completion.id));
    },
    cut() {
      open = undefined;
    },
  };
}
