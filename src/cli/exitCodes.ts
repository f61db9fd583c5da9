// Exit codes: 0 success, 1 failure (bad input file, model error...), 2 bad usage (flags), and for
// an interruption the shell's convention 128 + the signal number: 130 (SIGINT), 143 (SIGTERM).
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
