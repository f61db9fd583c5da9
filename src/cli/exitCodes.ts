// Exit codes: 0 success, 1 failure (bad input file, model error...), 2 bad usage (flags).
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
