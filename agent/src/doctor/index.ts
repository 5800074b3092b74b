/** `treasury-agent doctor`: checks an operator's setup and says what to fix. */
export { runDoctor, type DoctorDeps } from "./doctor.js";
export { CLOCK_SKEW_WARN_SECONDS, exitCode, renderChecks, type Check, type CheckStatus } from "./checks.js";
