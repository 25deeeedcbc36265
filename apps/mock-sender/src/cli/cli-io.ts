// exit 1 means "a delivery failed", so bad input exits 2
export const INPUT_ERROR_EXIT_CODE = 2;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** ends the program with this code (process.exit in the binary) */
  exit: (code: number) => never;
  /** the exit code once the command returns */
  setExitCode: (code: number) => void;
  /** runs the service for `serve` */
  serve: (env: Record<string, string | undefined>) => Promise<void>;
  env: Record<string, string | undefined>;
  /** calls the handler on the first interrupt (SIGINT in the binary); returns a function that stops listening */
  onInterrupt?: ((handler: () => void) => () => void) | undefined;
}
