/** The error a synchronous call throws; fails the test when it returns instead. */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
