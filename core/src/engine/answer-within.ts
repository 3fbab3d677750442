/**
 * The call's result if it answers within `afterMs` of `sent` (the moment the request left), else
 * undefined (the call goes on). A call that fails before it is sent rejects as it would.
 */
export async function answerWithin<R>(
  calling: Promise<R>,
  sent: Promise<void>,
  afterMs: number,
): Promise<{ readonly result: R } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = sent.then(
    () =>
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), afterMs);
      }),
  );
  try {
    return await Promise.race([calling.then((result) => ({ result })), late]);
  } finally {
    clearTimeout(timer);
  }
}
