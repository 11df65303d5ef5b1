/**
 * Captures the JSON lines the service writes to stdout during a unit test,
 * so tests can assert what was logged and the run's output stays readable.
 */
export function captureLogs(): { entries: () => Record<string, unknown>[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  return {
    entries: () =>
      lines
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line)),
    restore: () => spy.mockRestore(),
  };
}

/** Captures logs for every test in the enclosing describe block. */
export function useCapturedLogs(): () => Record<string, unknown>[] {
  let capture: ReturnType<typeof captureLogs> | undefined;
  beforeEach(() => (capture = captureLogs()));
  afterEach(() => capture?.restore());
  return () => capture?.entries() ?? [];
}
