/** What a quiz needs beyond predict mode: the generators and the answer checker, loaded when a quiz starts. */
export { makeQuiz } from './generate';
export { checkQuizAnswer } from './check';
