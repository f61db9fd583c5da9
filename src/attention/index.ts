// Public API of the attention math.
export type * from './types.js';
export { solveL2caf, defaultSolveOptions, usesExactSolver, usesSphereLbfgs, iterationLimit, withIterationLimit, presetLimit, presetSolveOptions, CONVERGED_RULE, OPTIMAL_RULE } from './solve.js';
export { minimiseOnSphere, SPHERE_LBFGS_DEFAULTS, type LbfgsMemory } from './sphereLbfgs.js';
export { gradCam } from './gradcam.js';
export { cam } from './cam.js';
export { normalise01, absValues } from './normalise.js';
export { pearson } from './stats.js';
export { mulberry32, normalGenerator, randn } from './rng.js';
export { solveSphereTrs, type SphereTrsOptions, type SphereTrsResult } from './trustRegion.js';
export { solveDiagonalSphere, sphereObjective, type SphereSolution } from './sphereSubproblem.js';
export { tridiagonalEigen, type TridiagonalEigen } from './tridiagonal.js';
export { Lanczos, type MatVec } from './lanczos.js';
