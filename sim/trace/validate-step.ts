/**
 * Validation of steps read from a trace or written in a scenario: the step's module reads it
 * (`sim/steps/index.ts`: `readStep`), every field checked, every problem one message naming what
 * is wrong. Used by the trace reader and the scenario parser.
 */
export { StepError } from '../steps/read.ts';
export { readStep as validateStep } from '../steps/index.ts';
