/** A configuration change refused: every problem with a JSON pointer into the request body. */
export class ConfigProblem extends Error {
  readonly problems: readonly { readonly pointer: string; readonly detail: string }[];
  readonly status: number;
  extra: Record<string, unknown>;
  constructor(
    problems: readonly { pointer: string; detail: string }[],
    message = `The request body has ${problems.length} problem(s).`,
    status = 422,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ConfigProblem';
    this.problems = problems;
    this.status = status;
    this.extra = extra;
  }
}
