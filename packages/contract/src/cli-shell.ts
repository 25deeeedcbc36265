import { Command } from 'commander';

/** bad input, a usage error included: apart from 1 (a check failed), so a CI job can tell them apart */
export const INPUT_ERROR_EXIT_CODE = 2;

/**
 * the omni-contract program without its commands. commander's own usage errors (an unknown option, a
 * missing or invalid argument) would exit 1, the code of a failing receiver; they exit 2 here
 */
export function contractProgram(exit: (code: number) => never = (code) => process.exit(code)): Command {
  return new Command('omni-contract')
    .description("Checks that a webhook receiver survives OmniAI's documented delivery contract.")
    .showHelpAfterError()
    .exitOverride((error) => exit(error.exitCode === 0 ? 0 : INPUT_ERROR_EXIT_CODE));
}
