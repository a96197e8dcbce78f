/**
 * Waits for every promise, then resolves with their values or rejects with the first failure in the
 * order given (not the first in time): the error a user sees does not depend on which server was
 * slower, and nothing started is still running when it is reported.
 */
export async function allInOrder<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}
