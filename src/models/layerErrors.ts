// A --layer the model does not have: the user's slip, not a failure of the model, so the command
// line ends with its usage code (2) for it, as for any other bad flag (cli/main.ts).

export class UnknownLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownLayerError';
  }
}
