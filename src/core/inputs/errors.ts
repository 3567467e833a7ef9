/** A problem with the inputs for a run: missing, mismatched, or a dim nobody gave a size. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
